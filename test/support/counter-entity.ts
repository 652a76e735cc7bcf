/** A minimal entity for exercising the runtime: a counter with a few ways to misbehave. */
import { ValidationError } from '../../src/errors.ts';
import type { EntityBehavior } from '../../src/actors/runtime/entity.ts';
import type { ReplyTo } from '../../src/actors/runtime/reply.ts';

export type CounterCommand =
  | { readonly type: 'add'; readonly by: number; readonly replyTo: ReplyTo<number> }
  | { readonly type: 'addTwice'; readonly by: number; readonly replyTo: ReplyTo<number> }
  | { readonly type: 'get'; readonly replyTo: ReplyTo<number> }
  | { readonly type: 'hold'; readonly until: Promise<void>; readonly replyTo: ReplyTo<number> }
  | { readonly type: 'bump' }
  | { readonly type: 'explode'; readonly replyTo: ReplyTo<number> }
  | { readonly type: 'refuse'; readonly replyTo: ReplyTo<number> }
  /** Misbehaves: swallows a failed commit and tries to carry on committing. */
  | { readonly type: 'swallow'; readonly replyTo: ReplyTo<number> };

export type CounterEvent = { readonly type: 'added'; readonly by: number };

export const counterBehavior: EntityBehavior<number, CounterCommand, CounterEvent> = {
  kind: 'counter',
  eventTypes: ['added'],
  initialState: () => 0,
  apply: (state, event) => state + event.by,
  async handle(state, command, ctx) {
    switch (command.type) {
      case 'add':
        ctx.reply(command.replyTo, await ctx.commit([{ type: 'added', by: command.by }]));
        return;
      case 'addTwice':
        ctx.reply(command.replyTo, await ctx.commit([{ type: 'added', by: command.by }, { type: 'added', by: command.by }]));
        return;
      case 'get':
        ctx.reply(command.replyTo, state);
        return;
      case 'hold':
        await command.until;
        ctx.reply(command.replyTo, state);
        return;
      case 'bump':
        await ctx.commit([{ type: 'added', by: 1 }]);
        return;
      case 'explode':
        throw new TypeError('bug in handler');
      case 'refuse':
        throw new ValidationError('refused on purpose');
      case 'swallow':
        try {
          await ctx.commit([{ type: 'added', by: 1 }]);
        } catch {
          // ignored on purpose
        }
        ctx.reply(command.replyTo, await ctx.commit([{ type: 'added', by: 5 }]));
        return;
    }
  },
};
