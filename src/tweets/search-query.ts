/** What `q` asks for: substrings of the text, matched ignoring case and accents by the database. */
export interface SearchQuery {
  /** Words and phrases every found tweet contains. */
  include: string[];
  /** Words and phrases no found tweet contains. */
  exclude: string[];
}

// Each term is one more condition on the trigram index; a few dozen would make one slow query.
export const MAX_SEARCH_TERMS = 16;

/**
 * The terms of `q`: words split on whitespace, `"a phrase"` (to its closing quote, or the end) and
 * `-word` or `-"a phrase"` to exclude. Repeated terms count once; a phrase's spaces collapse to one.
 */
export function parseSearchQuery(q: string): SearchQuery {
  const query: SearchQuery = { include: [], exclude: [] };
  // A word ends at whitespace or at a quote, which starts a phrase.
  for (const [, minus, phrase, word] of q.matchAll(/(-?)"([^"]*)"?|([^\s"]+)/g)) {
    const excluded = phrase === undefined ? word.startsWith('-') : minus === '-';
    const term = phrase === undefined ? word.slice(excluded ? 1 : 0) : phrase.replace(/\s+/g, ' ').trim();
    // A lone `-`, `""` or `-""` asks for nothing.
    if (term === '') continue;
    const list = excluded ? query.exclude : query.include;
    if (!list.includes(term)) list.push(term);
  }
  return query;
}

/** Why `q` cannot be searched for, or null. */
export function searchQueryProblem(query: SearchQuery): string | null {
  const count = query.include.length + query.exclude.length;
  if (count === 0) return 'q must contain a word or "a phrase" to search for';
  if (count > MAX_SEARCH_TERMS) return `q must have at most ${MAX_SEARCH_TERMS} words and phrases`;
  return null;
}
