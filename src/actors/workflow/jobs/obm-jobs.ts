/**
 * Out-of-band jobs: RackHD's `Job.Obm.Node` (power and boot device through the node's OBM service) and the
 * BMC discovery step that turns what the microkernel learnt about the BMC into an OBM record.
 */
import { ValidationError } from '../../../errors.ts';
import type { CatalogDoc } from '../../../persistence/collections.ts';
import type { Job, JobContext } from '../job.ts';
import { obmActions, type JobServices, type ObmAction } from '../job-services.ts';
import { numberOption, oneOf, publishNodeEvent, requireNode, stringOption } from './job-options.ts';

/** Repeating these changes nothing; the others (a reset, clearing the SEL) would happen twice. */
const idempotent: ReadonlySet<ObmAction> = new Set(['powerOn', 'powerOff', 'softOff', 'powerStatus', 'setBootPxe', 'setBootDisk', 'identifyOn', 'identifyOff']);

export const obmNodeJob: Job<JobServices> = {
  name: 'Job.Obm.Node',
  onResume: (options) => (typeof options['action'] === 'string' && idempotent.has(options['action'] as ObmAction) ? 'rerun' : 'fail'),
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const action = oneOf(ctx, 'action', obmActions);
    const service = stringOption(ctx, 'obmServiceName', undefined) ?? stringOption(ctx, 'obmService', undefined);
    ctx.progress(`${action} through ${service ?? 'the node\u2019s OBM'}`);
    const result = await ctx.services.obm.run(nodeId, action, { ...(service === undefined ? {} : { service }), signal: ctx.signal });
    return result.power === undefined ? {} : { context: { power: { [nodeId]: result.power } } };
  },
};

/** Field names the BMC's address appears under in RackHD's ipmitool catalogs (`bmc` = `ipmitool lan print`). */
const addressFields = ['IP Address', 'ipAddress', 'ip'];

async function latest(ctx: JobContext<JobServices>, nodeId: string, source: string): Promise<CatalogDoc | undefined> {
  const [doc] = await ctx.services.catalogs.find({ node: nodeId, source }, { sort: { createdAt: -1 }, limit: 1 });
  return doc;
}

function addressIn(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  for (const f of addressFields) {
    const v = record[f];
    if (typeof v === 'string' && v !== '' && v !== '0.0.0.0') return v;
  }
  return undefined;
}

/**
 * Finds the node's BMC and stores an OBM record for it (RackHD's `Graph.Obm.Ipmi.CreateSettings` after
 * `catalog-bmc`): the address from the `host` option or the latest `bmc` catalog, credentials from the
 * options. The record is stored encrypted by the OBM port and the node keeps only a reference to it.
 */
export const obmCreateJob: Job<JobServices> = {
  name: 'Job.Obm.Create',
  onResume: 'rerun',
  async run(ctx) {
    const nodeId = requireNode(ctx);
    const service = stringOption(ctx, 'service', 'ipmi-obm-service') ?? 'ipmi-obm-service';
    const catalogSource = stringOption(ctx, 'catalogSource', 'bmc') ?? 'bmc';
    const host = stringOption(ctx, 'host', undefined) ?? addressIn((await latest(ctx, nodeId, catalogSource))?.data);
    if (host === undefined) {
      throw new ValidationError(`task ${ctx.label}: no BMC address (no host option and no address in the ${catalogSource} catalog)`, [{ path: 'options.host', message: 'no BMC address found' }]);
    }
    const user = stringOption(ctx, 'user');
    // Sealed by the engine before it was stored; the OBM port opens it only to seal it again as an OBM field.
    const password = ctx.options['password'];
    if (password === undefined || password === null || password === '') {
      throw new ValidationError(`task ${ctx.label}: option password must be set`, [{ path: 'options.password', message: 'must be set' }]);
    }
    const port = numberOption(ctx, 'port', 0, { min: 0, max: 65535 });
    const config =
      service === 'redfish-obm-service'
        ? {
            uri: `${stringOption(ctx, 'scheme', 'https') ?? 'https'}://${host.includes(':') ? `[${host}]` : host}${port === 0 ? '' : `:${port}`}`,
            username: user,
            password,
            ...(ctx.options['verifySSL'] === false ? { verifySSL: false } : {}),
          }
        : { host, user, password, ...(port === 0 ? {} : { port }), ...(typeof ctx.options['cipherSuite'] === 'number' ? { cipherSuite: ctx.options['cipherSuite'] } : {}) };
    const ref = await ctx.services.obm.save(nodeId, service, config);
    const node = await ctx.services.nodes.ask(nodeId, { type: 'node.get' });
    const obms = [...node.obms.filter((o) => o.service !== service), ref];
    await ctx.services.nodes.ask(nodeId, { type: 'node.update', patch: { obms } });
    publishNodeEvent(ctx, nodeId, 'obms.assigned', { service, host });
    ctx.progress(`OBM ${service} at ${host}`);
  },
};
