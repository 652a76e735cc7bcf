/**
 * Waiting for the outside world: a notification from the node (an installer's "done", RackHD's
 * `Job.Wait.Notification`) or something the node does on the wire (a DHCP request, a TFTP fetch, a profile
 * request, a syslog line), matched by a regular expression.
 */
import { ValidationError } from '../../../errors.ts';
import type { ProtocolObservation } from '../../node/boot-protocol.ts';
import type { Job, JobContext } from '../job.ts';
import type { TaskInput } from '../task-input.ts';
import { oneOf, requireNode, stringOption } from './job-options.ts';

type Notification = Extract<TaskInput, { type: 'notification' }>;
type Observed = Extract<TaskInput, { type: 'protocol' }>;

function pattern(ctx: JobContext, name: string): RegExp | undefined {
  const source = stringOption(ctx, name, undefined);
  if (source === undefined) return undefined;
  try {
    return new RegExp(source);
  } catch (e) {
    throw new ValidationError(`task ${ctx.label}: option ${name} is not a valid regular expression`, [{ path: `options.${name}`, message: (e as Error).message }]);
  }
}

/**
 * The node's next notification that is not a progress milestone; milestones (RackHD's
 * `/notification/progress`, posted by installers) are reported as the task's progress on the way.
 */
export async function nextNotification(ctx: JobContext, nodeId: string): Promise<Notification> {
  for (;;) {
    const n = await ctx.next((i: TaskInput): i is Notification => i.type === 'notification' && i.nodeId === nodeId);
    const progress = n.data['progress'];
    if (typeof progress !== 'object' || progress === null) return n;
    const p = progress as { description?: unknown; value?: unknown; maximum?: unknown };
    ctx.progress(typeof p.description === 'string' ? p.description : 'progress', typeof p.value === 'number' ? p.value : undefined, typeof p.maximum === 'number' ? p.maximum : undefined);
  }
}

/**
 * Waits for a notification about the node. Notifications carrying `progress` (an installer's milestones)
 * are reported as task progress and the wait goes on; the first other one ends it.
 */
export const waitNotificationJob: Job = {
  name: 'Job.Wait.Notification',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const n = await nextNotification(ctx, nodeId);
    return { context: { notification: n.data } };
  },
};

/** The text of an observation a pattern is matched against. */
function subject(o: ProtocolObservation): string {
  switch (o.type) {
    case 'dhcp':
      return o.messageType;
    case 'tftp.request':
    case 'tftp.transfer':
      return o.file;
    case 'http.profile':
      return o.profile;
    case 'syslog':
      return o.message;
  }
}

const family: Record<ProtocolObservation['type'], 'dhcp' | 'tftp' | 'http' | 'syslog'> = {
  dhcp: 'dhcp',
  'tftp.request': 'tftp',
  'tftp.transfer': 'tftp',
  'http.profile': 'http',
  syslog: 'syslog',
};

export const waitProtocolJob: Job = {
  name: 'Job.Wait.Protocol',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const protocol = oneOf(ctx, 'protocol', ['dhcp', 'tftp', 'http', 'syslog'] as const);
    const match = pattern(ctx, 'pattern');
    ctx.progress(`waiting for ${protocol}${match === undefined ? '' : ` matching ${match.source}`}`);
    const seen = await ctx.next(
      (i: TaskInput): i is Observed =>
        i.type === 'protocol' && i.nodeId === nodeId && family[i.observation.type] === protocol && (match === undefined || match.test(subject(i.observation))),
    );
    return { context: { observed: { [protocol]: subject(seen.observation) } } };
  },
};
