import type { KeyValueStore } from '../../lib/tokens.ts';
import type { ModelList } from '../../lib/types.ts';

export const MODEL_KEY = 'parley.model';

/** The model to preselect: the last one chosen when it is still offered, else the server's default. */
export function preferredModel(list: ModelList, store: Pick<KeyValueStore, 'getItem'>): string {
  const saved = store.getItem(MODEL_KEY);
  if (saved && list.models.some((m) => m.id === saved)) return saved;
  return list.default_model;
}
