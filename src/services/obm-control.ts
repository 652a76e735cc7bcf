/**
 * The jobs' `ObmControl` port on the OBM services (ipmitool, Redfish): finds the node's OBM record,
 * opens its sealed credentials just for the call, runs RackHD's action as the power calls it means, and
 * closes the service. Records are stored with every secret field sealed (src/secrets/obm-credentials.ts).
 */
import { rackhdPowerCommands, type ObmServiceFactory, type ObmServiceName, type ObmSettings } from '../actors/obm/obm-port.ts';
import { openSecret, isSealed as isPortSealed, type SecretSealer } from '../actors/secret-port.ts';
import type { ObmAction, ObmControl } from '../actors/workflow/job-services.ts';
import { newEntityId } from '../actors/ids.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ObmDoc } from '../persistence/collections.ts';
import type { DocumentCollection } from '../persistence/document-store.ts';
import { openObmSettings, sealObmSettings, type StoredObmSettings } from '../secrets/obm-credentials.ts';
import type { SecretBox } from '../secrets/secret-box.ts';

const services: readonly ObmServiceName[] = ['ipmi-obm-service', 'redfish-obm-service'];

export interface ObmControlDeps {
  readonly obms: DocumentCollection<ObmDoc>;
  readonly factory: ObmServiceFactory;
  readonly box: SecretBox;
  /** Opens values sealed in workflow options before they are sealed again as OBM fields. */
  readonly sealer: SecretSealer;
}

export function obmControl(d: ObmControlDeps): ObmControl {
  return {
    async run(nodeId, action: ObmAction, { service, signal }) {
      const docs = await d.obms.find({ node: nodeId });
      const doc = service === undefined ? docs[0] : docs.find((o) => o.service === service);
      if (doc === undefined) throw new NotFoundError(`OBM settings${service === undefined ? '' : ` (${service})`} of node`, nodeId);
      const settings: ObmSettings = openObmSettings({ service: doc.service as ObmServiceName, config: doc.config } satisfies StoredObmSettings, d.box);
      const obm = await d.factory.open(settings, { signal });
      try {
        switch (action) {
          case 'powerStatus':
            return { power: await obm.powerState({ signal }) };
          case 'setBootPxe':
            await obm.setNextBoot('pxe', { signal });
            return {};
          case 'setBootDisk':
            await obm.setNextBoot('disk', { signal });
            return {};
          case 'identifyOn':
          case 'identifyOff':
            await obm.identify(action === 'identifyOn', { signal });
            return {};
          case 'clearSEL':
            if (obm.clearSel === undefined) throw new ValidationError(`${doc.service} cannot clear a SEL`, [{ path: 'action', message: 'not supported' }]);
            await obm.clearSel({ signal });
            return {};
          case 'mcResetCold':
            if (obm.mcResetCold === undefined) throw new ValidationError(`${doc.service} cannot reset its BMC`, [{ path: 'action', message: 'not supported' }]);
            await obm.mcResetCold({ signal });
            return {};
          case 'softOff':
            await obm.power('softOff', { signal });
            return {};
          case 'powerOn':
          case 'powerOff':
          case 'reboot':
          case 'reset':
          case 'softReset':
            for (const step of rackhdPowerCommands[action]) await obm.power(step, { signal });
            return {};
        }
      } finally {
        await obm.close();
      }
    },

    async save(nodeId, service, config) {
      if (!(services as readonly string[]).includes(service)) {
        throw new ValidationError(`unknown OBM service ${JSON.stringify(service)}`, [{ path: 'service', message: `must be one of ${services.join(', ')}` }]);
      }
      const plain: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(config)) plain[k] = isPortSealed(v) ? openSecret(v, d.sealer) : v;
      const stored = sealObmSettings({ service, config: plain } as unknown as ObmSettings, d.box);
      const existing = (await d.obms.find({ node: nodeId })).find((o) => o.service === service);
      const id = existing?.id ?? newEntityId();
      await d.obms.put({ id, node: nodeId, service, config: stored.config });
      return { service, obmId: id };
    },
  };
}
