import { cleanJson, cleanText } from './clean-values';

describe('cleanText', () => {
  it('drops NUL and replaces lone surrogates, keeping pairs (emoji) as they are', () => {
    expect(cleanText('a\u0000b')).toBe('ab');
    expect(cleanText('x\ud800y')).toBe('x\ufffdy');
    expect(cleanText('x\udc00')).toBe('x\ufffd');
    expect(cleanText('\udc00\ud800')).toBe('\ufffd\ufffd');
    expect(cleanText('rocket 🚀 \ud83d\ude80')).toBe('rocket 🚀 🚀');
  });
});

describe('cleanJson', () => {
  it('cleans every string, keys included, at any depth', () => {
    const value = { 'k\u0000ey': ['t\u0000ext', { deep: 'lone \ud800' }], n: 1, ok: null, emoji: '🚀' };
    expect(JSON.parse(cleanJson(value))).toEqual({
      key: ['text', { deep: 'lone \ufffd' }],
      n: 1,
      ok: null,
      emoji: '🚀',
    });
  });

  it('leaves clean values exactly as JSON.stringify writes them, a literal backslash-u text included', () => {
    const value = { text: 'a \\u0000 written out', list: [1, 'two'] };
    expect(cleanJson(value)).toBe(JSON.stringify(value));
  });
});
