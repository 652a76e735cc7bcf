/**
 * `GET /events` — the Server-Sent Events stream of every event (event-stream.ts), for UIs. Not in RackHD
 * (which offered AMQP and webhooks only); the patterns are the AMQP binding patterns of `on.events`.
 */
import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../errors.ts';
import { topicPatternProblem } from '../../events/topic-pattern.ts';
import { ErrorBody } from '../northbound/api-registry.ts';
import { route, type ApiRoute } from '../northbound/api-route.ts';
import type { EventStream } from './event-stream.ts';

const maxPatterns = 16;

export function eventStreamRoutes(stream: EventStream): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/events',
      summary: 'Server-Sent Events: every event (RackHD envelope) whose routing key matches `filter`; resumable with Last-Event-ID',
      tag: 'events',
      access: 'ReadOnly',
      query: Type.Object(
        {
          filter: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 2048,
              description: 'Comma-separated AMQP topic patterns over `<type>.<action>.<severity>.<typeId>[.<nodeId>]` (`*` one word, `#` any number), e.g. `node.#,graph.finished.#`. Absent: every event.',
            }),
          ),
          lastEventId: Type.Optional(Type.String({ maxLength: 64, description: 'Resume after this event id, for clients that cannot send the Last-Event-ID header.' })),
          auth_token: Type.Optional(Type.String({ maxLength: 8192, description: 'A login token: browsers\' EventSource cannot set the Authorization header.' })),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'A text/event-stream; each message\'s `data` is one event, its `id` resumes the stream' },
        400: { description: 'A pattern that is not an AMQP topic pattern', schema: ErrorBody },
        429: { description: 'Too many streams open', schema: ErrorBody },
      },
      handler({ query, req, res }) {
        const patterns = query.filter === undefined ? [] : query.filter.split(',').map((p) => p.trim());
        const problems = patterns.flatMap((p) => {
          const problem = topicPatternProblem(p);
          return problem === undefined ? [] : [{ path: 'query.filter', message: `query.filter ${JSON.stringify(p)} ${problem}` }];
        });
        if (patterns.length > maxPatterns) problems.push({ path: 'query.filter', message: `query.filter has more than ${maxPatterns} patterns` });
        if (problems.length > 0) throw new ValidationError(`invalid request: ${problems.map((p) => p.message).join('; ')}`, problems);
        const header = req.headers['last-event-id'];
        const lastEventId = typeof header === 'string' && header.length > 0 ? header.slice(0, 64) : query.lastEventId;
        stream.attach(res, patterns, lastEventId);
      },
    }),
  ];
}
