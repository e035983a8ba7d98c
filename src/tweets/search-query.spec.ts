import { MAX_SEARCH_TERMS, parseSearchQuery, searchQueryProblem } from './search-query';

describe('parseSearchQuery', () => {
  it.each([
    ['cafe', ['cafe'], []],
    ['  kubern   Café\tnews\n', ['kubern', 'Café', 'news'], []],
    ['東京\u3000タワー', ['東京', 'タワー'], []],
    ['"launch pad" today', ['launch pad', 'today'], []],
    ['"  launch \n  pad  "', ['launch pad'], []],
    ['quiet -cooking', ['quiet'], ['cooking']],
    ['space -"launch pad" -x', ['space'], ['launch pad', 'x']],
    ['"unclosed phrase to the end', ['unclosed phrase to the end'], []],
    ['say"hello world"', ['say', 'hello world'], []],
    ['e-mail well-known', ['e-mail', 'well-known'], []],
    ['"-not excluded"', ['-not excluded'], []],
    ['--dash', [], ['-dash']],
    ['100% a_b', ['100%', 'a_b'], []],
    ['go go GO -no -no', ['go', 'GO'], ['no']],
  ])('reads %j', (q, include, exclude) => {
    expect(parseSearchQuery(q)).toEqual({ include, exclude });
  });

  it.each(['', '   ', '-', ' - "" -"" "', '""'])('finds no term in %j', (q) => {
    const query = parseSearchQuery(q);
    expect(query).toEqual({ include: [], exclude: [] });
    expect(searchQueryProblem(query)).toBe('q must contain a word or "a phrase" to search for');
  });
});

describe('searchQueryProblem', () => {
  const words = (count: number) => Array.from({ length: count }, (_, i) => `word${i}`);

  it('accepts up to the most terms, exclusions included', () => {
    expect(searchQueryProblem({ include: words(MAX_SEARCH_TERMS - 1), exclude: ['x'] })).toBeNull();
    expect(searchQueryProblem({ include: [], exclude: ['only-excluded'] })).toBeNull();
  });

  it('refuses more terms than that, naming q', () => {
    expect(searchQueryProblem(parseSearchQuery(words(MAX_SEARCH_TERMS + 1).join(' ')))).toBe(
      `q must have at most ${MAX_SEARCH_TERMS} words and phrases`,
    );
  });
});
