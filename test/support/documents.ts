/** Read-model documents for store tests. */
import type { NodeDoc } from '../../src/persistence/collections.ts';

export const nodeDoc = (id: string, overrides: Partial<NodeDoc> = {}): NodeDoc => ({
  id,
  name: `node ${id}`,
  type: 'compute',
  identifiers: [],
  obms: [],
  tags: [],
  relations: [],
  sku: null,
  autoDiscover: false,
  lifecycle: { state: 'discovered', since: '2024-01-01T00:00:00.000Z' },
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  version: 1,
  ...overrides,
});
