/** The JSON payloads of an OpenAI-style SSE body, without the final [DONE]. */
export function chunks(text: string): any[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)));
}

/** A function tool in Chat Completions form, as client requests carry it. */
export const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
