/**
 * Messages come from the vendored DMTF registries, never from hand-written text: ids as Prefix.Major.Minor.Key,
 * arguments substituted, wrong keys and argument counts refused; and every Base message key the Redfish
 * code names exists in the Base registry.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseMessage, messageRegistries, registryMessage, registryOf } from '../../../src/api/redfish/message-registries.ts';
import { loadRedfishSchemas } from '../../../src/api/redfish/json-schema-validator.ts';

const srcDir = fileURLToPath(new URL('../../../src/api/redfish/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(`${dir}${f}`).isDirectory() ? sources(`${dir}${f}/`) : f.endsWith('.ts') ? [`${dir}${f}`] : []));
}

describe('message registries', () => {
  it('loads Base, TaskEvent and ResourceEvent, the newest vendored version of each', () => {
    const r = messageRegistries();
    expect([...r.keys()].sort()).toEqual(['Base', 'ResourceEvent', 'TaskEvent']);
    expect(registryOf('Base')).toBe('Base.1.22');
    expect(registryOf('TaskEvent')).toBe('TaskEvent.1.0');
    expect(registryOf('ResourceEvent')).toBe('ResourceEvent.1.4');
  });

  it('builds a Message with the registry\u2019s text, severity and resolution, arguments substituted; it validates as a Message', () => {
    const m = registryMessage('Base', 'ResourceMissingAtURI', ['/redfish/v1/X'], ['/x']);
    expect(m).toEqual({
      MessageId: 'Base.1.22.ResourceMissingAtURI',
      Message: "The resource at the URI '/redfish/v1/X' was not found.",
      MessageArgs: ['/redfish/v1/X'],
      MessageSeverity: 'Critical',
      Resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
      RelatedProperties: ['/x'],
    });
    expect(loadRedfishSchemas().definition('Message.v1_3_0.json', 'Message')(m)).toBe(true);
    expect(registryMessage('TaskEvent', 'TaskProgressChanged', ['t1', '50']).Message).toBe("The task with Id 't1' has changed to progress 50 percent complete.");
  });

  it('refuses an unknown key, an inherited property name, and a wrong number of arguments', () => {
    expect(() => baseMessage('NoSuchMessage')).toThrow(/Base has no message NoSuchMessage/);
    expect(() => baseMessage('constructor')).toThrow(/has no message/);
    expect(() => baseMessage('ResourceMissingAtURI')).toThrow(/takes 1 arguments, got 0/);
    expect(() => registryMessage('ResourceEvent', 'ResourceCreated', ['x'])).toThrow(/takes 0 arguments/);
  });

  it('every Base message the Redfish code names is in the Base registry', () => {
    const base = messageRegistries().get('Base')?.messages ?? {};
    const named = new Set<string>();
    for (const file of sources(srcDir)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:baseMessage\(|fail\(\d{3}, )'([A-Za-z]+)'/g)) if (m[1] !== undefined) named.add(m[1]);
    }
    expect(named.size).toBeGreaterThan(30);
    expect([...named].filter((k) => !Object.hasOwn(base, k))).toEqual([]);
  });
});
