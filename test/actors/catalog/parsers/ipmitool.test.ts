import { describe, expect, it } from 'vitest';
import { parseIpmiFru, parseIpmiLanPrint, parseIpmiMcInfo, parseIpmiSdr, parseIpmiSel } from '../../../../src/actors/catalog/parsers/ipmitool.ts';
import { ValidationError } from '../../../../src/errors.ts';
import { catalogFixture } from '../catalog-fixtures.ts';
import { fuzzParser } from '../parser-fuzz.ts';

/** Real ipmitool 1.8.19 output from Debian's ipmi_sim (see test/fixtures/catalogs/ipmitool/README.md). */
const fixture = (name: string) => catalogFixture(`ipmitool/${name}`);

describe('parseIpmiLanPrint', () => {
  it('keeps every label as RackHD\'s bmc catalog did, with the multi-line fields folded', () => {
    const lan = parseIpmiLanPrint(fixture('lan-print.txt'));
    expect(lan['IP Address']).toBe('10.1.2.3');
    expect(lan['MAC Address']).toBe('52:54:00:12:34:56');
    expect(lan['IP Address Source']).toBe('Static Address');
    expect(lan['Default Gateway IP']).toBe('10.1.2.1');
    expect(lan['802.1q VLAN ID']).toBe('Disabled');
    expect(lan['Auth Type Enable']).toEqual({ Callback: 'NONE MD2 MD5 PASSWORD', User: 'NONE MD2 MD5 PASSWORD', Operator: 'NONE MD2 MD5 PASSWORD', Admin: 'NONE MD2 MD5 PASSWORD', OEM: '' });
    expect(lan['Cipher Suite Priv Max']).toEqual(['aaaaaaaaaaaaaaa', 'X=Cipher Suite Unused', 'c=CALLBACK', 'u=USER', 'o=OPERATOR', 'a=ADMIN', 'O=OEM']);
    expect(lan['Bad Password Threshold']).toBe('Not Available');
  });

  it('refuses output that is not a LAN configuration', () => {
    expect(() => parseIpmiLanPrint('Invalid channel 9\n')).toThrow(ValidationError);
    expect(() => parseIpmiLanPrint('Set in Progress : Set Complete\n')).toThrow(/neither "IP Address" nor "MAC Address"/);
    expect(() => parseIpmiLanPrint('                        : User : MD5\nIP Address : 1.2.3.4\n')).toThrow(/continuation line/);
    expect(() => parseIpmiLanPrint('')).toThrow(ValidationError);
  });

  it('treats labels from the BMC as data, never as object internals', () => {
    const lan = parseIpmiLanPrint('__proto__ : polluted\nIP Address : 10.0.0.1\n');
    expect(Object.hasOwn(lan, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(lan)).toBe(Object.prototype);
  });
});

describe('parseIpmiMcInfo', () => {
  it('reads Get Device ID with the two lists as arrays', () => {
    const mc = parseIpmiMcInfo(fixture('mc-info.txt'));
    expect(mc['Device ID']).toBe('33');
    expect(mc['Firmware Revision']).toBe('2.15');
    expect(mc['IPMI Version']).toBe('2.0');
    expect(mc['Manufacturer ID']).toBe('343');
    expect(mc['Manufacturer Name']).toBe('Intel Corporation');
    expect(mc['Product ID']).toBe('2860 (0x0b2c)');
    expect(mc['Additional Device Support']).toEqual(['Sensor Device', 'SDR Repository Device', 'SEL Device', 'FRU Inventory Device', 'IPMB Event Receiver', 'IPMB Event Generator', 'Chassis Device']);
    expect(mc['Aux Firmware Rev Info']).toEqual(['0x00', '0x00', '0x00', '0x00']);
  });

  it('refuses output missing what every BMC answers', () => {
    expect(() => parseIpmiMcInfo('Device ID : 32\n')).toThrow(/Firmware Revision: missing/);
    expect(() => parseIpmiMcInfo('Error: Unable to establish IPMI v2 / RMCP+ session\n')).toThrow(ValidationError);
    expect(() => parseIpmiMcInfo(fixture('fru.txt'))).toThrow(ValidationError);
  });
});

describe('parseIpmiFru', () => {
  it('groups fields under their FRU device, values keeping their colons', () => {
    const fru = parseIpmiFru(fixture('fru.txt'));
    const builtin = fru['Builtin FRU Device (ID 0)'];
    expect(builtin).toMatchObject({
      'Chassis Type': 'Rack Mount Chassis',
      'Chassis Serial': 'CHS1234567',
      'Board Mfg': 'Monorail Labs',
      'Board Product': 'MR-X11DPi',
      'Board Serial': 'BRD7654321',
      'Product Name': 'MR-2U-Compute',
      'Product Serial': 'SYS0001',
      'Product Asset Tag': 'rack7-u12',
    });
    // RackHD split on every ':' and lost the time; the first colon separates label from value.
    expect(builtin?.['Board Mfg Date']).toBe('Sat Jun 22 09:18:00 2019 UTC');
  });

  it('keeps several devices and ipmitool\'s notes about absent ones', () => {
    const text = [
      'FRU Device Description : Builtin FRU Device (ID 0)',
      ' Product Name          : X11DPi',
      '',
      'FRU Device Description : PSU2 (ID 5)',
      ' Device not present (Requested sensor, data, or record not found)',
      '',
    ].join('\n');
    expect(parseIpmiFru(text)).toEqual({
      'Builtin FRU Device (ID 0)': { 'Product Name': 'X11DPi' },
      'PSU2 (ID 5)': { 'Device not present (Requested sensor, data, or record not found)': '' },
    });
  });

  it('refuses fields outside a device and output with no device', () => {
    expect(() => parseIpmiFru(' Product Name : X\n')).toThrow(/before any "FRU Device Description"/);
    expect(() => parseIpmiFru('hello world\n')).toThrow(ValidationError);
  });
});

describe('parseIpmiSel', () => {
  it('reads sel info', () => {
    const sel = parseIpmiSel(fixture('sel-info.txt'));
    expect(sel.entries).toEqual([]);
    expect(sel.info).toMatchObject({ Version: '1.5 (v1.5, v2 compliant)', Entries: '4', Overflow: 'false', 'Last Add Time': '11/25/26 21:17:54 UTC' });
  });

  it('reads sel list, pipe and CSV forms alike, with Pre-Init and dated entries', () => {
    const pipe = parseIpmiSel(fixture('sel-list.txt')).entries;
    const csv = parseIpmiSel(fixture('sel-list-csv.txt')).entries;
    expect(pipe).toEqual(csv);
    expect(pipe).toHaveLength(4);
    expect(pipe[0]).toEqual({
      id: '1',
      date: 'Pre-Init',
      time: '0000001271',
      sensor: 'Temperature #0x01',
      sensorType: 'Temperature',
      sensorNumber: '0x01',
      event: 'Upper Critical going high',
      direction: 'Asserted',
    });
    expect(pipe[3]).toMatchObject({ id: '4', timestamp: '2026-11-25T21:17:54Z', sensorType: 'Fan', sensorNumber: '0x02', event: 'Lower Critical going low' });
  });

  it('keeps what sel elist adds', () => {
    const [first] = parseIpmiSel(fixture('sel-elist.txt')).entries;
    expect(first).toMatchObject({ sensor: 'Temperature CPU Temp', detail: 'Reading 92 > Threshold 90 degrees C' });
  });

  it('reads sel info and sel list printed one after the other', () => {
    const both = parseIpmiSel(fixture('sel-info.txt') + fixture('sel-list.txt'));
    expect(both.info?.['Entries']).toBe('4');
    expect(both.entries).toHaveLength(4);
    expect(parseIpmiSel('SEL has no entries\n')).toEqual({ entries: [] });
  });

  it('refuses lines that are not entries and dates that do not exist', () => {
    expect(() => parseIpmiSel(`${fixture('sel-list.txt')}garbage | here\n`)).toThrow(/line 5: not a SEL entry/);
    expect(() => parseIpmiSel('1 | 01/01/26 | 00:00:00 | Fan #0x01 | x | Maybe\n')).toThrow(ValidationError);
    const [entry] = parseIpmiSel('1 | 02/31/26 | 00:00:00 UTC | Fan #0x01 | Lower Critical going low | Asserted\n').entries;
    expect(entry?.timestamp).toBeUndefined();
  });
});

describe('parseIpmiSdr', () => {
  it('reads sdr list: readings with units, discrete states as text', () => {
    expect(parseIpmiSdr(fixture('sdr.txt'))).toEqual([
      { name: 'CPU Temp', status: 'ok', reading: 45, unit: 'degrees C' },
      { name: 'FAN1', status: 'ok', reading: 5400, unit: 'RPM' },
      { name: 'P12V', status: 'ok', reading: 12, unit: 'Volts' },
      { name: 'PSU1 Status', status: 'ok', text: '0x01' },
    ]);
  });

  it('reads sdr elist and -c sdr with sensor numbers and entities', () => {
    const elist = parseIpmiSdr(fixture('sdr-elist.txt'));
    expect(elist[0]).toEqual({ name: 'CPU Temp', sensorNumber: '01h', status: 'ok', entity: '7.1', reading: 45, unit: 'degrees C' });
    expect(elist[3]).toEqual({ name: 'PSU1 Status', sensorNumber: '04h', status: 'ok', entity: '10.1', text: 'Presence detected' });
    const csv = parseIpmiSdr(fixture('sdr-csv.txt'));
    expect(csv[2]).toEqual({ name: 'P12V', status: 'ok', reading: 12, unit: 'Volts' });
    expect(csv[3]).toEqual(elist[3]);
  });

  it('reads sdr -v: types, thresholds and asserted states', () => {
    const records = parseIpmiSdr(fixture('sdr-verbose.txt'));
    expect(records.map((r) => r.name)).toEqual(['CPU Temp', 'FAN1', 'P12V', 'PSU1 Status']);
    expect(records[0]).toMatchObject({
      sensorNumber: '01h',
      entity: '7.1',
      sensorClass: 'Threshold',
      sensorType: 'Temperature',
      reading: 45,
      unit: 'degrees C',
      status: 'ok',
      thresholds: { lowerNonRecoverable: 5, lowerCritical: 10, lowerNonCritical: 15, upperNonCritical: 80, upperCritical: 90, upperNonRecoverable: 95 },
    });
    expect(records[2]).toMatchObject({ reading: 12, unit: 'Volts', thresholds: { upperCritical: 13.5 } });
    expect(records[3]).toMatchObject({ sensorClass: 'Discrete', sensorType: 'Power Supply', text: '0h', statesAsserted: ['Presence detected'], status: 'ok' });
  });

  it('reads sensors without a reading', () => {
    expect(parseIpmiSdr('CPU Temp         | disabled          | ns\nFAN1,,,ns\n')).toEqual([
      { name: 'CPU Temp', status: 'ns', text: 'disabled' },
      { name: 'FAN1', status: 'ns' },
    ]);
  });

  it('refuses what is not SDR output', () => {
    expect(() => parseIpmiSdr(fixture('fru.txt'))).toThrow(ValidationError);
    expect(() => parseIpmiSdr('CPU Temp | 45 degrees C | maybe\n')).toThrow(/line 1: not an SDR line/);
    expect(() => parseIpmiSdr(' Entity ID : 7.1\nSensor ID : X (0x1)\n')).toThrow(/before any "Sensor ID"/);
  });
});

describe('ipmitool parsers on hostile input', () => {
  const targets = [
    { name: 'lan print', parse: parseIpmiLanPrint, corpus: [fixture('lan-print.txt')] },
    { name: 'mc info', parse: parseIpmiMcInfo, corpus: [fixture('mc-info.txt')] },
    { name: 'fru', parse: parseIpmiFru, corpus: [fixture('fru.txt')] },
    { name: 'sel', parse: parseIpmiSel, corpus: [fixture('sel-info.txt'), fixture('sel-list.txt'), fixture('sel-elist.txt'), fixture('sel-list-csv.txt')] },
    { name: 'sdr', parse: parseIpmiSdr, corpus: [fixture('sdr.txt'), fixture('sdr-elist.txt'), fixture('sdr-csv.txt'), fixture('sdr-verbose.txt')] },
  ];

  it.each(targets)('$name answers every seeded mutant with data or a ValidationError', ({ parse, corpus }) => {
    for (const seed of [11, 12, 13]) {
      const outcome = fuzzParser(parse, corpus, seed, 500);
      expect(outcome.refused).toBeGreaterThan(0);
      expect(outcome.accepted).toBeGreaterThan(0);
    }
  });

  it.each(targets)('$name refuses binary, oversized and truncated-to-nothing input', ({ parse, corpus }) => {
    expect(() => parse('\u0000\u0001\u0002garbage')).toThrow(ValidationError);
    expect(() => parse('x'.repeat(9 * 1024 * 1024))).toThrow(ValidationError);
    expect(() => parse('   \n')).toThrow(ValidationError);
    expect(() => parse(42 as unknown as string)).toThrow(ValidationError);
    for (const input of corpus) expect(() => parse(input)).not.toThrow();
  });
});
