/**
 * The OBM port's factory: picks the adapter by RackHD service name. Unknown services are a
 * ValidationError naming the field, as RackHD refused OBM records for services it did not have.
 */
import type { ObmCallOptions, ObmService, ObmServiceFactory, ObmSettings } from '../actors/obm/obm-port.ts';
import { abortReason } from '../actors/obm/obm-error.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { IpmitoolObmService } from './ipmitool-obm-service.ts';
import { RedfishObmService } from './redfish-obm-service.ts';

export interface ObmFactoryOptions {
  readonly log: Logger;
  /** The ipmitool binary; `ipmitool` on PATH when left out. */
  readonly ipmitool?: string;
}

export function createObmServiceFactory(options: ObmFactoryOptions): ObmServiceFactory {
  return {
    async open(settings: ObmSettings, call: ObmCallOptions): Promise<ObmService> {
      if (call.signal.aborted) throw abortReason(call.signal);
      switch (settings.service) {
        case 'ipmi-obm-service':
          return new IpmitoolObmService(settings.config, { log: options.log, ...(options.ipmitool === undefined ? {} : { binary: options.ipmitool }) });
        case 'redfish-obm-service':
          return RedfishObmService.open(settings.config, { log: options.log, signal: call.signal });
        default: {
          const service: unknown = (settings as { service?: unknown }).service;
          throw new ValidationError(`unknown OBM service ${JSON.stringify(service)}`, [
            { path: 'service', message: 'must be "ipmi-obm-service" or "redfish-obm-service"' },
          ]);
        }
      }
    },
  };
}
