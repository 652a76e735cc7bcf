import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { createObmServiceFactory } from '../../src/obm/obm-service-factory.ts';
import { captureLog } from '../support/test-logger.ts';

describe('createObmServiceFactory', () => {
  const factory = createObmServiceFactory({ log: captureLog().log });
  const signal = () => new AbortController().signal;

  it('opens an IPMI service by RackHD service name without contacting the BMC', async () => {
    const service = await factory.open({ service: 'ipmi-obm-service', config: { host: '192.0.2.10', user: 'ADMIN', password: 'x' } }, { signal: signal() });
    expect(service.service).toBe('ipmi-obm-service');
    expect(typeof service.clearSel).toBe('function');
    await service.close();
  });

  it('refuses unknown services and bad configs with ValidationError', async () => {
    await expect(factory.open({ service: 'vbox-obm-service', config: {} } as never, { signal: signal() })).rejects.toThrow(ValidationError);
    await expect(factory.open({ service: 'ipmi-obm-service', config: { host: '', user: 'u', password: 'p' } }, { signal: signal() })).rejects.toThrow(/config\.host/);
    await expect(factory.open({ service: 'redfish-obm-service', config: { uri: 'bmc', username: 'u', password: 'p' } }, { signal: signal() })).rejects.toThrow(/config\.uri/);
  });

  it('an aborted signal opens nothing', async () => {
    const reason = new Error('cancelled');
    await expect(factory.open({ service: 'ipmi-obm-service', config: { host: 'bmc', user: 'u', password: 'p' } }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
