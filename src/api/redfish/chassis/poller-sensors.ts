/**
 * The `ChassisSensors` seam filled from the pollers: a chassis' Thermal and Power come from the newest
 * sample of its node's sensor pollers, an IPMI `sdr` poller (threshold sensors by type and unit: degrees C,
 * RPM, Volts, Watts; thresholds from `sdr -v`) or a Redfish `chassis.thermal`/`chassis.power` poller of
 * the node's BMC. Samples are asked of the poller entities (the history lives with them); which pollers a
 * node has is read from the `pollers` read model.
 */
import type { PollerSample } from '../../../actors/poller/poller-protocol.ts';
import type { PollerService } from '../../../actors/poller/poller-service.ts';
import type { ChassisSensors, PowerReadings, ThermalReadings } from '../redfish-deps.ts';

type Json = Readonly<Record<string, unknown>>;

const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The newest sample among the node's pollers running one of `commands`. */
async function newestSample(pollers: PollerService, nodeId: string, commands: readonly string[]): Promise<PollerSample | undefined> {
  const docs = await pollers.documents.find({ node: nodeId });
  let newest: PollerSample | undefined;
  for (const doc of docs) {
    const command = (doc['config'] as { command?: unknown } | undefined)?.command;
    if (typeof command !== 'string' || !commands.includes(command)) continue;
    const [latest] = await pollers.data(doc.id, true).catch(() => []);
    if (latest !== undefined && (newest === undefined || latest.timestamp > newest.timestamp)) newest = latest;
  }
  return newest;
}

const isUnit = (s: Json, unit: RegExp, type: RegExp): boolean => unit.test(str(s['unit'])) || type.test(str(s['sensorType']));
const threshold = (s: Json, key: string): number | undefined => num((s['thresholds'] as Json | undefined)?.[key]) ?? undefined;

function thermalFromSdr(sdr: Json[]): ThermalReadings {
  return {
    temperatures: sdr
      .filter((s) => isUnit(s, /degrees C/i, /^Temperature$/i))
      .map((s) => {
        const upperCritical = threshold(s, 'upperCritical');
        const upperNonCritical = threshold(s, 'upperNonCritical');
        return { name: str(s['name']), celsius: num(s['reading']), ...(upperCritical === undefined ? {} : { upperCritical }), ...(upperNonCritical === undefined ? {} : { upperNonCritical }) };
      }),
    fans: sdr.filter((s) => isUnit(s, /RPM/i, /^Fan$/i)).map((s) => ({ name: str(s['name']), rpm: num(s['reading']) })),
  };
}

function powerFromSdr(sdr: Json[]): PowerReadings {
  const watts = sdr.find((s) => /^Watts$/i.test(str(s['unit'])) && num(s['reading']) !== null);
  return {
    ...(watts === undefined ? {} : { consumedWatts: num(watts['reading']) }),
    voltages: sdr.filter((s) => isUnit(s, /^Volts$/i, /^Voltage$/i)).map((s) => ({ name: str(s['name']), volts: num(s['reading']) })),
  };
}

export function pollerChassisSensors(pollers: PollerService): ChassisSensors {
  return {
    async thermal(nodeId) {
      const sample = await newestSample(pollers, nodeId, ['sdr', 'chassis.thermal']);
      if (sample === undefined) return undefined;
      if (Array.isArray(sample['sdr'])) return thermalFromSdr(asArray(sample['sdr']));
      const t = sample['thermal'] as Json | undefined;
      return {
        temperatures: asArray(t?.['temperatures']).map((x) => {
          const upperCritical = num(x['upperCritical']) ?? undefined;
          const upperNonCritical = num(x['upperNonCritical']) ?? undefined;
          return { name: str(x['name']), celsius: num(x['celsius']), ...(upperCritical === undefined ? {} : { upperCritical }), ...(upperNonCritical === undefined ? {} : { upperNonCritical }) };
        }),
        fans: asArray(t?.['fans']).map((x) => ({ name: str(x['name']), rpm: num(x['rpm']) })),
      };
    },
    async power(nodeId) {
      const sample = await newestSample(pollers, nodeId, ['sdr', 'chassis.power']);
      if (sample === undefined) return undefined;
      if (Array.isArray(sample['sdr'])) return powerFromSdr(asArray(sample['sdr']));
      const p = sample['power'] as Json | undefined;
      const watts = num(p?.['consumedWatts']);
      return { ...(watts === null ? {} : { consumedWatts: watts }), voltages: asArray(p?.['voltages']).map((x) => ({ name: str(x['name']), volts: num(x['volts']) })) };
    },
  };
}
