import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repeatedLead, type TranscriptEntry, withSystemPrompt } from '../../../src/core/chat/transcript.ts';

const u = (content: string): TranscriptEntry => ({ role: 'user', content });
const a = (content: string): TranscriptEntry => ({ role: 'assistant', content });

describe('repeatedLead: what a request repeats of the stored history', () => {
  const stored = [u('Q1'), a('A1'), u('Q2'), a('A2')];

  it('skips the whole history resent', () => {
    assert.equal(repeatedLead(stored, [u('Q1'), a('A1'), u('Q2'), a('A2')]), 4);
  });

  it('skips a resent recent part of the history', () => {
    assert.equal(repeatedLead(stored, [u('Q2'), a('A2'), u('Aside')]), 2);
    assert.equal(repeatedLead(stored, [a('A2')]), 1);
  });

  it('keeps messages that do not continue from the end of the history', () => {
    assert.equal(repeatedLead(stored, [u('Q1'), a('A1')]), 0, 'an old part is not the end of the history');
    assert.equal(repeatedLead(stored, [u('Q3'), a('A3')]), 0);
    assert.equal(repeatedLead(stored, []), 0);
    assert.equal(repeatedLead([], [u('Q1')]), 0);
  });

  it('compares role and exact content', () => {
    assert.equal(repeatedLead(stored, [u('A2')]), 0);
    assert.equal(repeatedLead(stored, [a('A2 ')]), 0);
  });

  it('takes the longest repeat when the history repeats itself', () => {
    const echoing = [u('hi'), a('hello'), u('hi'), a('hello')];
    assert.equal(repeatedLead(echoing, [u('hi'), a('hello'), u('hi'), a('hello'), u('bye')]), 4);
    assert.equal(repeatedLead(echoing, [u('hi'), a('hello'), u('bye')]), 2);
  });

  it('counts the system prompt as the first message of the history', () => {
    const full = withSystemPrompt({ systemPrompt: 'Be brief.' }, stored);
    assert.deepEqual(full[0], { role: 'system', content: 'Be brief.' });
    assert.equal(repeatedLead(full, [{ role: 'system', content: 'Be brief.' }, ...stored]), 5);
    assert.deepEqual(withSystemPrompt({ systemPrompt: null }, stored), stored);
  });
});
