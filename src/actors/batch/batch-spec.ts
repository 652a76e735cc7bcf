/**
 * What makes a batch valid, checked by the entity before anything is journaled (the API checks the body's
 * shape with its JSON schema first; this holds for callers that are not the API too). Problems are named
 * by their field, as a ValidationError (HTTP 400).
 */
import { ValidationError } from '../../errors.ts';
import { MAX_CONCURRENCY, type BatchSpec } from './batch-protocol.ts';

/** The most nodes one batch may hold: its record (one item per node) is journaled and projected whole. */
export const MAX_BATCH_NODES = 10_000;

type Problem = { path: string; message: string };

const isText = (v: unknown, max = 255): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

function checkTextList(v: unknown, path: string, max: number, problems: Problem[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.length === 0 || v.length > max || !v.every((x) => isText(x))) {
    problems.push({ path, message: `must be a list of 1 to ${max} non-empty strings` });
  }
}

export function validateBatchSpec(spec: BatchSpec): void {
  const problems: Problem[] = [];
  const s = spec.selector as BatchSpec['selector'] | undefined;
  if (typeof s !== 'object' || s === null) problems.push({ path: 'body.selector', message: 'is required' });
  else {
    if (s.tags === undefined && s.sku === undefined && s.nodeIds === undefined && s.type === undefined) {
      // A batch over every node is one typo away from rebooting a data centre: it has to be asked for.
      problems.push({ path: 'body.selector', message: 'needs at least one of tags, sku, nodeIds, type' });
    }
    checkTextList(s.tags, 'body.selector.tags', 64, problems);
    checkTextList(s.nodeIds, 'body.selector.nodeIds', MAX_BATCH_NODES, problems);
    if (s.sku !== undefined && !isText(s.sku)) problems.push({ path: 'body.selector.sku', message: 'must be a SKU id or name' });
    if (s.type !== undefined && !isText(s.type, 64)) problems.push({ path: 'body.selector.type', message: 'must be a node type' });
  }
  if (!isText(spec.graphName)) problems.push({ path: 'body.graphName', message: 'is required: the graph to run on each node' });
  if (spec.name !== undefined && !isText(spec.name)) problems.push({ path: 'body.name', message: 'must be 1 to 255 characters' });
  const c = spec.concurrency;
  if (c !== undefined && (!Number.isInteger(c) || c < 1 || c > MAX_CONCURRENCY)) problems.push({ path: 'body.concurrency', message: `must be an integer from 1 to ${MAX_CONCURRENCY}` });
  const t = spec.failureThreshold;
  if (t !== undefined) {
    if (t.percent !== undefined && (typeof t.percent !== 'number' || !Number.isFinite(t.percent) || t.percent < 0 || t.percent > 100)) {
      problems.push({ path: 'body.failureThreshold.percent', message: 'must be a number from 0 to 100' });
    }
    if (t.count !== undefined && (!Number.isInteger(t.count) || t.count < 1)) problems.push({ path: 'body.failureThreshold.count', message: 'must be an integer of at least 1' });
  }
  if (problems.length > 0) throw new ValidationError(`invalid batch: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
}
