/**
 * The actors' `SecretSealer` port on the SecretBox: values sealed in workflow options and node claims
 * travel as one opaque string (`{ $sealed: "v1.<iv>.<tag>.<data>" }`), bound to the context
 * "workflow-option" so they cannot be replayed as another kind of secret.
 */
import type { Sealed as PortSealed, SecretSealer } from '../actors/secret-port.ts';
import { ValidationError } from '../errors.ts';
import type { SecretBox } from './secret-box.ts';

const CONTEXT = 'workflow-option';

export function secretSealer(box: SecretBox): SecretSealer {
  return {
    seal(plain: string): PortSealed {
      const s = box.seal(plain, CONTEXT);
      return { $sealed: `v1.${s.iv}.${s.tag}.${s.data}` };
    },
    open(sealed: PortSealed): string {
      const [v, iv, tag, data, ...rest] = sealed.$sealed.split('.');
      if (v !== 'v1' || iv === undefined || tag === undefined || data === undefined || rest.length > 0) {
        throw new ValidationError('sealed value is not in the v1 format', [{ path: '$sealed', message: 'expected v1.<iv>.<tag>.<data>' }]);
      }
      return box.open({ v: 1, iv, tag, data }, CONTEXT);
    },
  };
}
