/**
 * What the Redfish route factories need beyond the northbound ports: the account and session services
 * shared with the REST API (src/api/auth/auth-ports.ts), the event service's delivery queue, and the few
 * facts about this service a ServiceRoot states. Sensor readings for Chassis Thermal/Power come through a
 * seam the pollers (issue 7) will fill; without one the two resources are served empty.
 */
import { createHash } from 'node:crypto';
import type { MonorailConfig } from '../../config/schema.ts';
import type { PasswordLogin, RoleDirectory, SessionService, UserDirectory } from '../auth/auth-ports.ts';
import type { EventDelivery } from './events/event-delivery.ts';

export interface ThermalReadings {
  readonly temperatures: readonly { readonly name: string; readonly celsius: number | null; readonly upperCritical?: number; readonly upperNonCritical?: number }[];
  readonly fans: readonly { readonly name: string; readonly rpm: number | null }[];
}

export interface PowerReadings {
  readonly consumedWatts?: number | null;
  readonly voltages: readonly { readonly name: string; readonly volts: number | null }[];
}

/** The latest sensor samples of a node (SDR pollers, issue 7). */
export interface ChassisSensors {
  thermal(nodeId: string): Promise<ThermalReadings | undefined>;
  power(nodeId: string): Promise<PowerReadings | undefined>;
}

export interface RedfishDeps {
  readonly users: UserDirectory;
  readonly roles: RoleDirectory;
  readonly sessions: SessionService;
  /** Session creation logs in through the throttled password login (the one clients reach). */
  readonly logins: PasswordLogin;
  readonly delivery: EventDelivery;
  /** ServiceRoot.UUID; stable across restarts and the same on every member (default: derived from the store's identity). */
  readonly serviceUuid?: string;
  /** Monorail's version, shown as the service manager's FirmwareVersion. */
  readonly version?: string;
  /** What SessionService.SessionTimeout says; the session service enforces it. */
  readonly sessionTimeoutSeconds?: number;
  readonly sensors?: ChassisSensors;
}

/**
 * A name-based UUID (RFC 4122 §4.3, SHA-1) of what makes a deployment one service: the store every member
 * shares (MongoDB database, or the embedded store's directory). DSP0266 §12.3.1: the service UUID stays the
 * same across restarts and fail-over.
 */
export function derivedServiceUuid(config: MonorailConfig): string {
  const identity = config.store.kind === 'mongodb' ? `mongodb:${config.store.mongodbDatabase}:${config.cluster.members.map((m) => m.id).sort().join(',')}` : `embedded:${config.store.path}`;
  const h = createHash('sha1').update(`monorail-redfish-service\u0000${identity}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
