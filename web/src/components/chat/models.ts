import { signal } from '@preact/signals';
import { api } from '../../lib/state.ts';
import type { ModelList } from '../../lib/types.ts';
import { MODEL_KEY, preferredModel } from './model-choice.ts';

/** The models offered, loaded once per page load. */
export const modelList = signal<ModelList | undefined>(undefined);
/** The model the composer sends with. */
export const selectedModel = signal<string | undefined>(undefined);

let loading: Promise<void> | undefined;
export function loadModels(): Promise<void> {
  loading ??= api
    .get<ModelList>('/api/v1/models')
    .then((list) => {
      modelList.value = list;
      selectedModel.value ??= preferredModel(list, localStorage);
      // A conversation's model that is no longer offered gives way to the preferred one.
      if (!list.models.some((m) => m.id === selectedModel.value)) selectedModel.value = preferredModel(list, localStorage);
    })
    .catch(() => {
      // Without the list the server's default model answers; the next page tries again.
      loading = undefined;
    });
  return loading;
}

/**
 * The composer shows the model of the conversation on screen (when it is still offered); a new
 * chat starts with the last one chosen, or the server's default.
 */
export function showModelOf(conversation: { model: string } | undefined): void {
  const list = modelList.value;
  if (conversation && (!list || list.models.some((m) => m.id === conversation.model))) selectedModel.value = conversation.model;
  else if (list) selectedModel.value = preferredModel(list, localStorage);
  else selectedModel.value = undefined;
}

export function chooseModel(model: string): void {
  selectedModel.value = model;
  localStorage.setItem(MODEL_KEY, model);
}
