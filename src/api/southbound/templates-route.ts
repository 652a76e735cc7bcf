/**
 * `GET /api/current/templates/<name>?nodeId=<id>` (also `/api/2.0/`, `/api/common/`): a stored template
 * (preseed, kickstart, first-boot script) rendered for a node, RackHD's `installScriptUri` target
 * (rackhd.md §3.6). The options are those of the task driving the node (what it asked the node to boot
 * with), at the top level as RackHD's templates expect them and under `options`. Sealed secrets (a root
 * password) are opened here, for the installer that asked: the one place they leave the store in clear.
 */
import type { RequestHandler } from 'express';
import { entityIdPattern } from '../../actors/ids.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logging/logger.ts';
import type { NodeDirectory } from '../../protocols/node-directory.ts';
import type { ProfileLibrary } from './profile-library.ts';
import { renderProfile } from './render-profile.ts';

export interface TemplatesRouteDeps {
  readonly directory: Pick<NodeDirectory, 'bootDecision'>;
  readonly templates: ProfileLibrary;
  readonly baseUrl: (req: Parameters<RequestHandler>[0]) => string;
  /** Opens values sealed in task options. */
  readonly reveal: (options: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  readonly decisionTimeoutMs: number;
  readonly log: Logger;
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function templatesRoute(deps: TemplatesRouteDeps): RequestHandler {
  return async (req, res) => {
    const name = req.params['name'];
    if (typeof name !== 'string' || !namePattern.test(name)) throw new ValidationError('template name must be letters, digits, dot, dash or underscore', [{ path: 'name', message: 'invalid name' }]);
    const nodeId = req.query['nodeId'];
    if (typeof nodeId !== 'string' || !entityIdPattern.test(nodeId)) throw new ValidationError('nodeId must be a node id (24 hex digits)', [{ path: 'nodeId', message: 'not a node id' }]);
    const doc = await deps.templates.get(name);
    if (doc === undefined) throw new NotFoundError('template', name);
    // What the node's workflow asked it to boot with; `local` means no task drives it, so no options.
    const decision = await deps.directory.bootDecision(nodeId, { protocol: 'http', arch: 'unknown', firmware: 'other' }, deps.decisionTimeoutMs);
    const options = decision.kind === 'boot' ? deps.reveal(decision.options) : {};
    const base = deps.baseUrl(req);
    const api = { server: base, base: `${base}/api/current`, profiles: `${base}/api/current/profiles`, templates: `${base}/api/current/templates` };
    const text = renderProfile(name, doc.contents, { ...options, nodeId, macaddress: '', macaddresses: [], options, api });
    deps.log.info({ nodeId, template: name }, 'template served');
    res.type('text/plain; charset=utf-8').send(text);
  };
}
