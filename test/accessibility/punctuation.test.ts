/**
 * Punctuation per language (issue 13): the English screens and mails carry no Japanese punctuation —
 * no full-width brackets, quotes, commas, stops or colons (the English staff console once showed
 * 事務（Administrator）). Japanese words inside English texts (names of screens from the manuals) are fine.
 */
import { expect } from 'chai';
import { TEXT_TABLES } from '../../src/texts.js';

const JAPANESE_PUNCTUATION = /[（）「」『』【】〔〕、。，．：；！？～　]/;

describe('punctuation per language', () => {
  it('no English text uses Japanese punctuation', () => {
    const mixed: string[] = [];
    for (const table of TEXT_TABLES) {
      for (const [key, text] of Object.entries(table.en)) {
        for (const line of typeof text === 'string' ? [text] : text) {
          if (JAPANESE_PUNCTUATION.test(line)) mixed.push(`${key}: ${line}`);
        }
      }
    }
    expect(mixed).to.deep.equal([]);
  });
});
