/**
 * The IPMI adapter against a real BMC: Debian's ipmi_sim with a simulated machine behind it (see
 * test/support/ipmi-sim.ts). Each assertion on the machine's state reads what ipmi_sim did to the
 * machine, or asks the BMC with a separate ipmitool run, never the adapter's own answer alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpmiFru, parseIpmiMcInfo, parseIpmiSdr, parseIpmiSel } from '../../src/actors/catalog/parsers/ipmitool.ts';
import { ObmError } from '../../src/actors/obm/obm-error.ts';
import { IpmitoolObmService } from '../../src/obm/ipmitool-obm-service.ts';
import { startIpmiSim, simInventory, type IpmiSim } from '../support/ipmi-sim.ts';
import { captureLog } from '../support/test-logger.ts';

const signal = () => new AbortController().signal;

describe('IpmitoolObmService against ipmi_sim', () => {
  let sim: IpmiSim;
  let service: IpmitoolObmService;
  const captured = captureLog('debug');

  beforeAll(async () => {
    sim = await startIpmiSim({ password: 'S3cret-bmc-pw!' });
    service = new IpmitoolObmService({ host: sim.host, port: sim.port, user: sim.user, password: sim.password, cipherSuite: sim.cipherSuite }, { log: captured.log });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const chassisPower = async () => /System Power\s+:\s+(on|off)/.exec((await sim.ipmitool(['chassis', 'status'])).stdout)?.[1];

  it('reads and changes the power state of the machine behind the BMC', async () => {
    expect(await service.powerState({ signal: signal() })).toBe('off');
    await service.power('on', { signal: signal() });
    expect(await sim.machine.power()).toBe('on');
    expect(await chassisPower()).toBe('on');
    expect(await service.powerState({ signal: signal() })).toBe('on');

    await service.power('reset', { signal: signal() });
    await service.power('softOff', { signal: signal() });
    expect(await chassisPower()).toBe('off');
    await service.power('on', { signal: signal() });
    await service.power('off', { signal: signal() });
    expect(await sim.machine.power()).toBe('off');
    expect(await sim.machine.events()).toEqual(['boot', 'reset', 'shutdown', 'boot', 'off']);
  });

  it('power cycles: the machine goes off and ipmi_sim powers it on again a second later', async () => {
    await service.power('on', { signal: signal() });
    const before = (await sim.machine.events()).length;
    await service.power('cycle', { signal: signal() });
    // ipmi_sim turns the power back on from a 1 s timer (bmc_chassis.c start_poweron_timer): wait for it.
    const deadline = Date.now() + 10_000;
    while ((await sim.machine.events()).length < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await sim.machine.events()).slice(before)).toEqual(['off', 'boot']);
    expect(await chassisPower()).toBe('on');
    await service.power('off', { signal: signal() });
  });

  it('sets the next boot device, once or persistently', async () => {
    await service.setNextBoot('pxe', { signal: signal() });
    expect(await sim.machine.bootDevice()).toBe('pxe');
    const flags = (await sim.ipmitool(['chassis', 'bootparam', 'get', '5'])).stdout;
    expect(flags).toContain('Boot Device Selector : Force PXE');

    await service.setNextBoot('disk', { signal: signal(), persistent: true });
    // ipmi_sim's chassis-control boot map calls "force boot from default hard drive" `default`.
    expect(await sim.machine.bootDevice()).toBe('default');
    expect((await sim.ipmitool(['chassis', 'bootparam', 'get', '5'])).stdout).toContain('Force Boot from default Hard-Drive');
  });

  it('turns the identify LED on until told otherwise, then off', async () => {
    await service.identify(true, { signal: signal() });
    await service.identify(false, { signal: signal() });
    // extcmd identify arguments: interval, force flag (IPMI 2.0 §28.5 Chassis Identify).
    const calls = await sim.machine.calls();
    expect(calls.filter((c) => c.startsWith('set identify'))).toEqual(['set identify 0 1', 'set identify 0 0']);
  });

  it('clears the SEL and cold-resets the BMC', async () => {
    expect(parseIpmiSel((await sim.ipmitool(['sel', 'list'])).stdout).entries.length).toBeGreaterThan(0);
    await service.clearSel({ signal: signal() });
    // Clearing leaves one "Log area reset/cleared" record on real BMCs; ipmi_sim leaves none.
    const after = parseIpmiSel((await sim.ipmitool(['sel', 'info'])).stdout);
    expect(after.info?.['Entries']).toBe('0');
    await service.mcResetCold({ signal: signal() });
    expect(parseIpmiMcInfo((await service.command(['mc', 'info'], { signal: signal() })).stdout)['Device ID']).toBe(String(simInventory.deviceId));
  });

  it('catalogs the BMC: live fru, sdr and mc info output parses to what the BMC holds', async () => {
    const fru = parseIpmiFru((await service.command(['fru'], { signal: signal() })).stdout);
    expect(fru['Builtin FRU Device (ID 0)']).toMatchObject({ 'Product Serial': simInventory.product.serial, 'Board Serial': simInventory.board.serial });
    const sdr = parseIpmiSdr((await service.command(['sdr', 'elist'], { signal: signal() })).stdout);
    expect(sdr.map((r) => [r.name, r.reading])).toEqual([
      ['CPU Temp', 45],
      ['FAN1', 5400],
      ['P12V', 12],
      ['PSU1 Status', undefined],
    ]);
    const mc = parseIpmiMcInfo((await service.command(['mc', 'info'], { signal: signal() })).stdout);
    expect(mc['Manufacturer ID']).toBe(String(simInventory.manufacturerId));
  });

  it('a refused login is an ObmError carrying ipmitool\'s words, and neither it nor the logs hold the password', async () => {
    const wrong = 'Wrong-pw-0042';
    const bad = new IpmitoolObmService({ host: sim.host, port: sim.port, user: sim.user, password: wrong, cipherSuite: sim.cipherSuite }, { log: captured.log });
    const error = await bad.powerState({ signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObmError);
    const obm = error as ObmError;
    expect(obm.code).toBe('OBM_FAILED');
    expect(obm.message).toMatch(/Unable to establish IPMI v2 \/ RMCP\+ session/);
    expect(obm.obm).toMatchObject({ service: 'ipmi-obm-service', target: `${sim.host}:${sim.port}`, operation: 'powerState', exitCode: 1, timedOut: false });
    const everything = JSON.stringify([obm.message, obm.toJSON(), captured.lines()]);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(sim.password);
    expect(captured.lines().some((l) => l['msg'] === 'ipmitool failed')).toBe(true);
  });

  it('answers repeated status calls consistently (the per-call latency is printed)', async () => {
    const runs = 20;
    const started = performance.now();
    const states: string[] = [];
    for (let i = 0; i < runs; i++) states.push(await service.powerState({ signal: signal() }));
    console.log(`ipmitool chassis power status against ipmi_sim: ${((performance.now() - started) / runs).toFixed(1)} ms per call (${runs} calls)`);
    expect(new Set(states)).toEqual(new Set([await sim.machine.power()]));
  });
});
