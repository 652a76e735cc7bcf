/**
 * RackHD's SKU pack API: `POST /skus/pack` creates a SKU from a pack's config (its `name` and `rules`) and
 * installs the pack; `PUT /skus/{id}/pack` installs a pack for an existing SKU, replacing the one it had;
 * `DELETE /skus/{id}/pack` removes it. The body is the tarball itself (`curl --data-binary @pack.tar.gz`,
 * gzip or plain tar). What a pack holds and how it is installed: sku-pack.ts.
 */
import { newEntityId } from '../../../actors/ids.ts';
import { ConflictError, isMonorailError, NotFoundError, ValidationError } from '../../../errors.ts';
import type { SkuDoc } from '../../../persistence/collections.ts';
import { ErrorBody } from '../api-registry.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import { generateSkuGraph, rematchAll } from './catalog-matching.ts';
import { AnyObject, IdParams } from './common-schemas.ts';
import type { DefinitionStore } from './definition-store.ts';
import { readRawBody } from './raw-body.ts';
import { installPack, parsePack, uninstallPack, type InstalledPack } from './sku-pack.ts';
import { skuView } from './sku-routes.ts';
import { readTarball } from './tarball.ts';

/** Packs are templates and JSON: a few megabytes at most. */
export const defaultMaxPackBytes = 32 * 1024 * 1024;
const packMediaTypes = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/x-compressed-tar', 'application/octet-stream', 'application/x-www-form-urlencoded'] as const;

const packResponses = (created: boolean) => ({
  [created ? 201 : 200]: { description: 'The SKU with what its pack installed', schema: AnyObject },
  400: { description: 'Not a usable pack (the file or field is named)', schema: ErrorBody },
  ...(created ? { 409: { description: 'A SKU of the pack\u2019s name exists', schema: ErrorBody } } : { 404: { description: 'No such SKU', schema: ErrorBody } }),
  413: { description: 'Too large', schema: ErrorBody },
  415: { description: 'Not a tarball media type', schema: ErrorBody },
});

const installedOf = (sku: SkuDoc): InstalledPack | undefined => (typeof sku['pack'] === 'object' && sku['pack'] !== null ? (sku['pack'] as InstalledPack) : undefined);

export function skuPackRoutes(ports: NorthboundPorts, store: DefinitionStore, limits: { readonly maxPackBytes?: number } = {}): ApiRoute[] {
  const limit = limits.maxPackBytes ?? defaultMaxPackBytes;
  const skus = () => ports.documents.collection('skus');

  const find = async (id: string): Promise<SkuDoc> => {
    const doc = (await skus().get(id)) ?? (await skus().findOne({ name: id }));
    if (doc === undefined) throw new NotFoundError('SKU', id);
    return doc;
  };

  const readPack = async (req: Parameters<ApiRoute['handler']>[0]['req'], res: Parameters<ApiRoute['handler']>[0]['res']) => {
    const archive = await readRawBody(req, res, packMediaTypes, limit);
    return { archive, files: await readTarball(archive) };
  };

  const checkGraph = (name: string | undefined): void => {
    if (name !== undefined && ports.workflows.library.graph(name) === undefined) throw new ValidationError(`no graph named ${name}`, [{ path: 'pack.config.json.discoveryGraphName', message: 'unknown graph' }]);
  };

  return [
    route({
      method: 'post',
      path: '/skus/pack',
      summary: `Create a SKU from a SKU pack tarball (config.json with name and rules) and install the pack; at most ${limit} bytes`,
      tag: 'skus',
      access: 'Operator',
      maxBodyBytes: limit,
      responses: packResponses(true),
      async handler({ req, res }) {
        const { archive, files } = await readPack(req, res);
        const id = newEntityId(ports.now());
        const pack = parsePack(files, archive, id);
        if (pack.config.name === undefined || pack.config.rules === undefined) {
          throw new ValidationError('a pack that creates its SKU needs name and rules in config.json', [{ path: `pack.config.json.${pack.config.name === undefined ? 'name' : 'rules'}`, message: 'is required' }]);
        }
        checkGraph(pack.config.discoveryGraphName);
        if ((await skus().findOne({ name: pack.config.name })) !== undefined) throw new ConflictError(`a SKU named ${pack.config.name} exists`, { name: pack.config.name });
        const at = new Date(ports.now()).toISOString();
        const { name, rules, ...rest } = pack.config;
        const sku: SkuDoc = { ...rest, id, name, rules, createdAt: at, updatedAt: at };
        const installed = await installPack(ports, store, sku, pack);
        try {
          await skus().insert({ ...sku, pack: installed });
        } catch (e) {
          await uninstallPack(ports, store, id, installed);
          if (isMonorailError(e, 'DUPLICATE_KEY')) throw new ConflictError(`a SKU named ${name} exists`, { name });
          throw e;
        }
        const matching = await rematchAll(ports, generateSkuGraph.injectableName);
        return { status: 201, body: { ...skuView({ ...sku, pack: installed }), matching }, headers: { Location: `/api/2.0/skus/${id}` } };
      },
    }),
    route({
      method: 'put',
      path: '/skus/{id}/pack',
      summary: `Install a SKU pack tarball for the SKU, replacing its previous pack; at most ${limit} bytes`,
      tag: 'skus',
      access: 'Operator',
      params: IdParams,
      maxBodyBytes: limit,
      responses: packResponses(false),
      async handler({ params, req, res }) {
        const sku = await find(params.id);
        const { archive, files } = await readPack(req, res);
        const pack = parsePack(files, archive, sku.id);
        checkGraph(pack.config.discoveryGraphName);
        const previous = installedOf(sku);
        if (previous !== undefined) await uninstallPack(ports, store, sku.id, previous);
        const installed = await installPack(ports, store, sku, pack);
        // The SKU keeps its name and rules (RackHD's PUT ignored them too); the pack's values for nodes of the SKU apply.
        const { name: _n, rules: _r, ...values } = pack.config;
        const next: SkuDoc = { ...sku, ...values, pack: installed, updatedAt: new Date(ports.now()).toISOString() };
        await skus().put(next);
        return { status: 200, body: skuView(next) };
      },
    }),
    route({
      method: 'delete',
      path: '/skus/{id}/pack',
      summary: 'Remove the SKU\u2019s pack (its templates, profiles and definitions); the SKU stays',
      tag: 'skus',
      access: 'Operator',
      params: IdParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such SKU, or it has no pack', schema: ErrorBody } },
      async handler({ params }) {
        const sku = await find(params.id);
        const installed = installedOf(sku);
        if (installed === undefined) throw new NotFoundError('SKU pack of', sku.id);
        await uninstallPack(ports, store, sku.id, installed);
        const { pack: _p, ...rest } = sku;
        await skus().put({ ...rest, id: sku.id, name: sku.name, rules: sku.rules, updatedAt: new Date(ports.now()).toISOString() });
        return { status: 204 };
      },
    }),
  ];
}
