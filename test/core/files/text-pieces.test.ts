import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textPieces } from '../../../src/core/files/files-service.ts';

describe('textPieces', () => {
  it('cuts a text into consecutive slices of at most the size that add up to it', () => {
    const text = `${'abcdefghij'.repeat(7)}xyz`;
    const pieces = textPieces(text, 16);
    assert.equal(pieces.join(''), text);
    assert.deepEqual(
      pieces.map((p) => p.length),
      [16, 16, 16, 16, 9],
    );
  });

  it('keeps a surrogate pair whole where a cut would fall between its halves', () => {
    const text = `${'a'.repeat(15)}\u{1F30A}${'b'.repeat(20)}`;
    const pieces = textPieces(text, 16);
    assert.equal(pieces.join(''), text);
    assert.equal(pieces[0], `${'a'.repeat(15)}\u{1F30A}`);
    // Each piece is valid on its own once encoded.
    for (const piece of pieces) assert.equal(Buffer.from(piece, 'utf8').toString('utf8'), piece);
  });

  it('answers one empty piece for an empty text, and the text itself when it fits', () => {
    assert.deepEqual(textPieces('', 16), ['']);
    assert.deepEqual(textPieces('short', 16), ['short']);
  });
});
