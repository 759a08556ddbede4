import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeLike } from '../../../src/core/prompts/prompts-service.ts';
import { renderTemplate } from '../../../src/core/prompts/template.ts';

describe('renderTemplate', () => {
  it('fills placeholders, repeated ones too', () => {
    assert.deepEqual(renderTemplate('{a} and {b}, {a} again', { a: 'x', b: 2 }), { text: 'x and 2, x again', missing: [] });
  });

  it('reads {{ and }} as literal braces', () => {
    assert.deepEqual(renderTemplate('{{a}} {{{a}}} }}{{', { a: 'v' }), { text: '{a} {v} }{', missing: [] });
  });

  it('keeps braces that form no placeholder', () => {
    assert.deepEqual(renderTemplate('{"k": 1} { a } {1x} {', {}), { text: '{"k": 1} { a } {1x} {', missing: [] });
  });

  it('lists each missing variable once, in order of first use', () => {
    assert.deepEqual(renderTemplate('{b} {a} {b} {c}', { c: '' }).missing, ['b', 'a']);
  });

  it('accepts names in any script and ignores inherited properties', () => {
    assert.equal(renderTemplate('{主题}', { 主题: '猫' }).text, '猫');
    assert.deepEqual(renderTemplate('{toString}', {}).missing, ['toString']);
  });
});

describe('escapeLike', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    assert.equal(escapeLike('50%_off\\'), '50\\%\\_off\\\\');
  });
});
