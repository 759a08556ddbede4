import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate } from '../../src/core/prompts/template.ts';
import { fillTemplate, templateVariables } from '../../web/src/components/prompts/template.ts';

// Contents the app must read exactly as the server does.
const CASES = [
  'Summarize: {text}',
  'Dear {name}, about {topic}. Regards, {name}',
  'JSON stays: {"a": 1} and { spaced } and {1abc}',
  'Literal {{braces}} and {{{name}}}',
  '}} {{ } {',
  'Unicode {名前} and {_private} and {café2}',
  'Adjacent {a}{b}{a}',
  'No variables at all',
  '{{name}}',
  '{{{x}}}',
  '{ {x} }',
];

describe('prompt template variables in the app', () => {
  it('finds the same variables the server asks values for, each once, in order', () => {
    for (const content of CASES) {
      assert.deepEqual(templateVariables(content), renderTemplate(content, {}).missing, content);
    }
  });

  it('fills in exactly as the server does', () => {
    for (const content of CASES) {
      const values = Object.fromEntries(templateVariables(content).map((name, i) => [name, `<${i}:${name}>`]));
      assert.equal(fillTemplate(content, values), renderTemplate(content, values).text, content);
    }
  });

  it('reads {name} as a variable and {{ }} as literal braces', () => {
    assert.deepEqual(templateVariables('Hi {name}, {{name}} is literal'), ['name']);
    assert.equal(fillTemplate('Hi {name}, {{name}} is literal', { name: 'Ada' }), 'Hi Ada, {name} is literal');
  });

  it('leaves a variable without a value as written, and does not read values as templates', () => {
    assert.equal(fillTemplate('{a} and {b}', { a: '{b}' }), '{b} and {b}');
    assert.equal(fillTemplate('{constructor}', {}), '{constructor}');
  });
});
