/**
 * `heartbeat.updated` every few seconds (RackHD's heartbeat service, on-core lib/services/heartbeat.js,
 * rackhd.md §6): typeId `<host>.<service>`, data the process's vital signs, so that whoever watches
 * `on.events` or a webhook can tell a member is alive and how it is doing. An interval of 0 disables it,
 * as RackHD's `heartbeatIntervalSec: 0` did.
 */
import os from 'node:os';
import type { EventPublisher } from '../actors/events/event-bus.ts';
import { systemClock, type Clock, type TimerHandle } from '../actors/runtime/clock.ts';

export interface HeartbeatOptions {
  readonly events: EventPublisher;
  readonly intervalSeconds: number;
  /** The product version this member runs. */
  readonly version: string;
  readonly memberId: string;
  /** RackHD used the host's FQDN; the host name is what a member knows without asking DNS. */
  readonly host?: string;
  readonly service?: string;
  readonly clock?: Clock;
}

export interface Heartbeat {
  stop(): void;
}

export function startHeartbeat(o: HeartbeatOptions): Heartbeat {
  if (o.intervalSeconds <= 0) return { stop: () => undefined };
  const clock = o.clock ?? systemClock;
  const service = o.service ?? 'monorail';
  const typeId = `${o.host ?? os.hostname()}.${service}`;
  const startCpu = process.cpuUsage();
  let lastUpdate: string | undefined;
  const beat = (): void => {
    const now = clock.now();
    const currentTime = new Date(now).toISOString();
    o.events.publish({
      version: '1.0',
      type: 'heartbeat',
      action: 'updated',
      severity: 'information',
      typeId,
      createdAt: currentTime,
      data: {
        name: service,
        title: process.title,
        memberId: o.memberId,
        version: o.version,
        pid: process.pid,
        platform: process.platform,
        versions: { node: process.versions.node },
        uptime: process.uptime(),
        memoryUsage: process.memoryUsage(),
        cpuUsage: process.cpuUsage(startCpu),
        currentTime,
        nextUpdate: new Date(now + o.intervalSeconds * 1000).toISOString(),
        ...(lastUpdate === undefined ? {} : { lastUpdate }),
      },
    });
    lastUpdate = currentTime;
  };
  const timer: TimerHandle = clock.setInterval(beat, o.intervalSeconds * 1000);
  return { stop: () => timer.cancel() };
}
