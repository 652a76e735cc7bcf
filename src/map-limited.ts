/**
 * Runs `f` over `items` with at most `limit` calls in flight and resolves to the results in input order (a
 * rejection rejects the whole, as Promise.all does). Batches reading their workflows, the API running a graph
 * on many nodes, and the virtual rack starting machines all bound their fan-out with it.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, f: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}
