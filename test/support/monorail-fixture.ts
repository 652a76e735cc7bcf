/** A whole Monorail member on a real embedded store in a temporary directory. */
import { loadConfig } from '../../src/config/load-config.ts';
import type { ConfigLayer } from '../../src/config/schema.ts';
import { startMonorail, type Monorail, type StartOptions } from '../../src/monorail.ts';
import type { Clock } from '../../src/actors/runtime/clock.ts';
import { tempStore, type TempStore } from './temp-store.ts';
import { captureLog, type CapturedLog } from './test-logger.ts';

export interface MonorailFixture {
  readonly monorail: Monorail;
  readonly temp: TempStore;
  readonly captured: CapturedLog;
  stop(): Promise<void>;
}

export async function startFixture(options: { layer?: ConfigLayer; temp?: TempStore; clock?: Clock; start?: Partial<Omit<StartOptions, 'log' | 'clock'>> } = {}): Promise<MonorailFixture> {
  const temp = options.temp ?? tempStore();
  const config = loadConfig({
    layers: [{ memberId: 'test', dataDir: temp.dir, store: { path: temp.dir }, actors: { passivateAfterMs: 0 }, http: { host: '127.0.0.1', port: 0 }, microkernel: { image: 'none' } }, options.layer ?? {}],
  });
  const captured = captureLog();
  const monorail = await startMonorail(config, { log: captured.log, ...(options.clock ? { clock: options.clock } : {}), ...options.start });
  return {
    monorail,
    temp,
    captured,
    async stop() {
      await monorail.stop();
      if (!options.temp) temp.cleanup();
    },
  };
}
