/**
 * `lshw -json` → the hardware tree RackHD stored as the `lshw` catalog: one root node (`class: system`)
 * whose `children` nest down to disks and NICs. lshw up to B.02.19 prints that root as an object; later
 * versions print an array of top-level nodes. Both become one root here: a one-element array is its
 * element, several top-level nodes are wrapped under a synthetic `{id: "lshw", class: "system"}` root so
 * paths such as `lshw.children.0.product` keep one meaning.
 */
import { isRecord, parseJsonText, toolError } from './tool-output.ts';

export interface LshwNode {
  readonly id: string;
  readonly class: string;
  readonly children?: readonly LshwNode[];
  readonly [field: string]: unknown;
}

const TOOL = 'lshw';
/** Real trees are under 10 levels deep; the bound keeps a hostile document from exhausting the stack. */
const MAX_DEPTH = 64;

export function parseLshw(stdout: string): LshwNode {
  const doc = parseJsonText(TOOL, stdout);
  let root: unknown = doc;
  if (Array.isArray(doc)) {
    if (doc.length === 0) throw toolError(TOOL, 'output is an empty array: no hardware nodes');
    root = doc.length === 1 ? doc[0] : { id: 'lshw', class: 'system', children: doc };
  }
  checkNode(root, 'lshw', 0);
  return root;
}

function checkNode(node: unknown, path: string, depth: number): asserts node is LshwNode {
  if (depth > MAX_DEPTH) throw toolError(TOOL, `tree is deeper than ${MAX_DEPTH} levels`, path);
  if (!isRecord(node)) throw toolError(TOOL, 'a hardware node must be an object', path);
  if (typeof node.id !== 'string') throw toolError(TOOL, 'node has no string "id"', `${path}.id`);
  if (typeof node.class !== 'string') throw toolError(TOOL, `node "${node.id}" has no string "class"`, `${path}.class`);
  if (node.children === undefined) return;
  if (!Array.isArray(node.children)) throw toolError(TOOL, `"children" of node "${node.id}" is not an array`, `${path}.children`);
  node.children.forEach((child: unknown, i) => {
    checkNode(child, `${path}.children.${i}`, depth + 1);
  });
}

/**
 * MAC addresses of the network nodes (lshw puts a NIC's MAC in `serial`), the lookups RackHD seeded
 * from this catalog.
 */
export function lshwNetworkMacs(root: LshwNode): string[] {
  const macs: string[] = [];
  const stack: LshwNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const serial = node.serial;
    if (node.class === 'network' && typeof serial === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(serial)) {
      macs.push(serial.toLowerCase());
    }
    if (node.children !== undefined) stack.push(...[...node.children].reverse());
  }
  return macs;
}
