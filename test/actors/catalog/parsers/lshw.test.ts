import { describe, expect, it } from 'vitest';
import { lshwNetworkMacs, parseLshw, type LshwNode } from '../../../../src/actors/catalog/parsers/lshw.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';

function find(node: LshwNode, predicate: (n: LshwNode) => boolean): LshwNode | undefined {
  if (predicate(node)) return node;
  for (const child of node.children ?? []) {
    const hit = find(child, predicate);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

describe('parseLshw', () => {
  const qemu = parseLshw(catalogFixture('lshw/qemu-q35.json'));

  it('returns the root system node of a QEMU q35 guest with its DMI identity', () => {
    expect(qemu).toMatchObject({ class: 'system', vendor: 'Acme Servers Inc.', product: 'AS-2224 Gen3 (AS2224-G3-BASE)', serial: 'ACS2224B0042' });
    expect(qemu.children?.[0]).toMatchObject({ id: 'core', class: 'bus', product: 'AS2224-MB' });
  });

  it('keeps the whole tree down to NICs and disks', () => {
    const e1000e = find(qemu, (n) => n.class === 'network' && n.product === '82574L Gigabit Network Connection');
    expect(e1000e).toMatchObject({ businfo: 'pci@0000:00:05.0', logicalname: 'eth1', serial: '52:54:00:12:34:01' });
    expect(find(qemu, (n) => n.class === 'disk' && n.product === 'ACME DC SSD 480')).toBeDefined();
  });

  it("normalises newer lshw's array output to the same root", () => {
    expect(parseLshw(catalogFixture('lshw/qemu-q35-array.json'))).toEqual(qemu);
  });

  it('wraps several top-level nodes under a synthetic root', () => {
    const root = parseLshw('[{"id":"a","class":"system"},{"id":"b","class":"system"}]');
    expect(root).toEqual({ id: 'lshw', class: 'system', children: [{ id: 'a', class: 'system' }, { id: 'b', class: 'system' }] });
  });

  it('reads the development microVM, whose root id is the hostname and one logicalname is a list', () => {
    const vm = parseLshw(catalogFixture('lshw/firecracker-vm.json'));
    expect(vm.id).toBe('vm');
    expect(find(vm, (n) => Array.isArray(n.logicalname))?.logicalname).toEqual(['/dev/vda', '/']);
  });

  it('lists the MACs of network nodes, as RackHD seeded lookups from this catalog', () => {
    expect(lshwNetworkMacs(qemu).sort()).toEqual(['52:54:00:12:34:01', '52:54:00:12:34:02']);
  });

  it.each([
    ['empty', '', /lshw: output is empty/],
    ['truncated JSON', catalogFixture('lshw/qemu-q35.json').slice(0, 5000), /not valid JSON/],
    ['an empty array', '[]', /empty array/],
    ['a node without id', '{"class":"system"}', /no string "id"/],
    ['a node without class', '{"id":"x","children":[{"id":"y"}]}', /node "x" has no string "class"/],
    ['children that are not a list', '{"id":"x","class":"system","children":{}}', /"children" of node "x" is not an array/],
    ['a scalar', '42', /must be an object/],
  ])('refuses %s with a ValidationError', (_name, input, message) => {
    expect(() => parseLshw(input)).toThrow(ValidationError);
    expect(() => parseLshw(input)).toThrow(message);
  });

  it('refuses a tree nested deeper than the bound instead of exhausting the stack', () => {
    const deep = `${'{"id":"n","class":"bus","children":['.repeat(5000)}${']}'.repeat(5000)}`;
    expect(() => parseLshw(deep)).toThrow(/deeper than 64 levels/);
  });
});
