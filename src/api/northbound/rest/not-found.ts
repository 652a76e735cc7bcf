/** Treating "it is gone already" as done, for clean-ups that race with other deletions. */
import { isMonorailError } from '../../../errors.ts';

export async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isMonorailError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
}
