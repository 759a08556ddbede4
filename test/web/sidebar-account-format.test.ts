import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorText } from '../../web/src/lib/error-text.ts';
import { expiryFromDate, formatCost, formatDate, formatTokens, localDate, rangeLabel } from '../../web/src/pages/account-format.ts';

describe('settings and admin formatting', () => {
  it('shortens token counts', () => {
    assert.equal(formatTokens(0), '0');
    assert.equal(formatTokens(950), '950');
    assert.equal(formatTokens(1000), '1k');
    assert.equal(formatTokens(12_345), '12.3k');
    assert.equal(formatTokens(456_789), '457k');
    assert.equal(formatTokens(4_500_000), '4.5M');
  });

  it('shows costs in dollars, with more digits for tiny ones', () => {
    assert.equal(formatCost(0), '$0.00');
    assert.equal(formatCost(0.0012), '$0.0012');
    assert.equal(formatCost(3.456), '$3.46');
  });

  it('formats dates and shows a dash for none', () => {
    assert.equal(formatDate(null), '—');
    assert.equal(formatDate('not a date'), '—');
    assert.equal(formatDate('2026-03-12T10:00:00Z', 'en-GB'), '12 Mar 2026');
  });

  it('turns a chosen expiry day into the end of that local day', () => {
    const iso = expiryFromDate('2030-06-15')!;
    const end = new Date(iso);
    assert.equal(end.getFullYear(), 2030);
    assert.equal(end.getMonth(), 5);
    assert.equal(end.getDate(), 15);
    assert.equal(end.getHours(), 23);
    assert.equal(end.getMinutes(), 59);
    assert.equal(expiryFromDate(''), null);
    assert.equal(expiryFromDate('15/06/2030'), null);
  });

  it('gives date-input values days ahead, across month ends', () => {
    assert.equal(localDate(new Date(2026, 0, 31), 1), '2026-02-01');
    assert.equal(localDate(new Date(2026, 11, 31), 0), '2026-12-31');
  });

  it('labels a page of a list', () => {
    assert.equal(rangeLabel(0, 20, 45), '1–20 of 45');
    assert.equal(rangeLabel(40, 5, 45), '41–45 of 45');
    assert.equal(rangeLabel(0, 0, 0), 'No results');
  });
});

describe('form errors', () => {
  it('show the rules of a field list without their paths', () => {
    const err = { status: 422, message: 'password: too short', detail: [{ loc: ['body', 'password'], msg: 'Password must be at least 8 characters long' }] };
    assert.equal(errorText(err), 'Password must be at least 8 characters long');
  });

  it('show the server sentence, or the fallback', () => {
    assert.equal(errorText({ status: 401, message: 'Incorrect email or password', detail: 'Incorrect email or password' }), 'Incorrect email or password');
    assert.equal(errorText(undefined, 'Could not load'), 'Could not load');
    assert.equal(errorText({ detail: [{}], message: '' }, 'fallback'), 'fallback');
  });
});
