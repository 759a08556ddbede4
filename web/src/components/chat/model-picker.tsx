import { useEffect } from 'preact/hooks';
import { chooseModel, loadModels, modelList, selectedModel } from './models.ts';

/** The model the next message is sent with; the choice is remembered on this device. */
export function ModelPicker() {
  useEffect(() => {
    void loadModels();
  }, []);
  const list = modelList.value;
  const selected = selectedModel.value;
  const ids = list?.models.map((m) => m.id) ?? [];
  if (selected && !ids.includes(selected)) ids.unshift(selected);
  return (
    <span class="model-picker">
      <label for="model-picker" class="visually-hidden">
        Model
      </label>
      <select id="model-picker" value={selected ?? ''} disabled={!list} onChange={(e) => chooseModel(e.currentTarget.value)}>
        {ids.length === 0 ? <option value="">Default model</option> : null}
        {ids.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
    </span>
  );
}
