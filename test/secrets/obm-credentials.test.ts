import { describe, expect, it } from 'vitest';
import type { ObmSettings } from '../../src/actors/obm/obm-port.ts';
import { ValidationError } from '../../src/errors.ts';
import { openObmSettings, redactObm, sealObmSettings } from '../../src/secrets/obm-credentials.ts';
import { SecretBox, isSealed } from '../../src/secrets/secret-box.ts';
import { captureLog } from '../support/test-logger.ts';

const box = SecretBox.fromKey('a-long-enough-test-key-0123456789');
const ipmi: ObmSettings = { service: 'ipmi-obm-service', config: { host: '10.1.2.3', user: 'ADMIN', password: 'Ipmi-Pw-77', cipherSuite: 3 } };
const redfish: ObmSettings = { service: 'redfish-obm-service', config: { uri: 'https://10.1.2.4', username: 'root', password: 'Rf-Pw-88', verifySSL: false } };

describe('OBM credentials at rest', () => {
  it('seals the password (and only secret fields), and opens back to the same settings', () => {
    for (const settings of [ipmi, redfish]) {
      const stored = sealObmSettings(settings, box);
      expect(isSealed(stored.config['password'])).toBe(true);
      expect(JSON.stringify(stored)).not.toContain(settings.config.password);
      expect(stored.config).toMatchObject({ ...settings.config, password: expect.anything() as unknown });
      expect(openObmSettings(JSON.parse(JSON.stringify(stored)) as typeof stored, box)).toEqual(settings);
    }
  });

  it('seals RackHD\'s other secret, the SNMP community, too', () => {
    const stored = sealObmSettings({ service: 'ipmi-obm-service', config: { ...ipmi.config, community: 'private' } as never }, box);
    expect(isSealed(stored.config['community'])).toBe(true);
  });

  it('will not move a sealed password to another service or field', () => {
    const stored = sealObmSettings(ipmi, box);
    expect(() => openObmSettings({ service: 'redfish-obm-service', config: stored.config }, box)).toThrow(ValidationError);
    expect(() => openObmSettings({ ...stored, config: { ...stored.config, community: stored.config['password'] } }, box)).toThrow(/failed authentication/);
  });

  it('refuses a plaintext password in storage and an unknown service', () => {
    expect(() => openObmSettings({ service: 'ipmi-obm-service', config: { host: 'h', user: 'u', password: 'plain' } }, box)).toThrow(/config\.password is stored unsealed/);
    expect(() => openObmSettings({ service: 'snmp-obm-service' as never, config: {} }, box)).toThrow(/unknown OBM service/);
  });
});

describe('redactObm', () => {
  it('hides secret fields, sealed or not, at any depth, and leaves the rest', () => {
    const record = { node: 'n1', ...sealObmSettings(ipmi, box) };
    const shown = redactObm(record);
    expect(shown).toEqual({ node: 'n1', service: 'ipmi-obm-service', config: { host: '10.1.2.3', user: 'ADMIN', password: '[redacted]', cipherSuite: 3 } });
    expect(redactObm({ ...redfish, config: { ...redfish.config, extra: { token: 't0k', port: 1 } } }).config).toMatchObject({ password: '[redacted]', extra: { token: '[redacted]', port: 1 } });
    expect(record.config['password']).not.toBe('[redacted]');
  });

  it('is what a log line may carry: the logger finds nothing left to censor', () => {
    const { log, lines } = captureLog('info');
    log.info({ obm: redactObm(redfish) }, 'obm created');
    expect(JSON.stringify(lines())).not.toContain('Rf-Pw-88');
    expect(lines()[0]?.['obm']).toEqual(redactObm(redfish));
  });
});
