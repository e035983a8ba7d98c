/** A piece of a tweet's text as the page shows it: plain text, or a link X's entities name. */
export type TextSegment =
  | { kind: 'text'; text: string }
  | { kind: 'url'; text: string; href: string }
  | { kind: 'mention' | 'hashtag' | 'cashtag'; text: string; href: string };

interface Wanted {
  /** where X says it starts: only its order counts */
  order: number;
  literal: string;
  segment: TextSegment | null;
}

interface Entities {
  urls?: { start?: number; url?: string; expanded_url?: string; display_url?: string; media_key?: string }[];
  mentions?: { start?: number; username?: string }[];
  hashtags?: { start?: number; tag?: string }[];
  cashtags?: { start?: number; tag?: string }[];
}

/**
 * Splits a tweet's text at its entities: t.co links become their expanded URL (shown as X shows it),
 * mentions, hashtags and cashtags become links, and the link of attached media is dropped (the
 * media are shown). Entities are found by their text in order, not by their offsets: the stored
 * text has X's HTML escapes decoded, which moves every offset after an `&amp;`.
 */
export function tweetTextSegments(text: string, entities: Record<string, unknown> | null): TextSegment[] {
  const e = (entities ?? {}) as Entities;
  const wanted: Wanted[] = [];
  const add = (order: number | undefined, literal: string | undefined, segment: TextSegment | null) => {
    if (literal) wanted.push({ order: order ?? 0, literal, segment });
  };
  for (const url of e.urls ?? []) {
    const href = url.expanded_url ?? url.url ?? '';
    const safe = /^https?:\/\//i.test(href);
    add(url.start, url.url, url.media_key || !safe ? null : { kind: 'url', text: url.display_url ?? href, href });
  }
  for (const mention of e.mentions ?? []) {
    const name = mention.username ?? '';
    add(mention.start, `@${name}`, { kind: 'mention', text: `@${name}`, href: `/@${name}` });
  }
  for (const hashtag of e.hashtags ?? []) {
    const tag = hashtag.tag ?? '';
    add(hashtag.start, `#${tag}`, { kind: 'hashtag', text: `#${tag}`, href: `/?q=${encodeURIComponent(`#${tag}`)}` });
  }
  for (const cashtag of e.cashtags ?? []) {
    const tag = cashtag.tag ?? '';
    add(cashtag.start, `$${tag}`, { kind: 'cashtag', text: `$${tag}`, href: `/?q=${encodeURIComponent(`$${tag}`)}` });
  }
  wanted.sort((a, b) => a.order - b.order);

  const segments: TextSegment[] = [];
  // Lower-cased only where that keeps every offset (a few letters, such as İ, grow).
  const lower = text.toLowerCase().length === text.length ? text.toLowerCase() : text;
  let cursor = 0;
  for (const entity of wanted) {
    const at = lower.indexOf(entity.literal.toLowerCase(), cursor);
    if (at < 0) continue;
    if (at > cursor) pushText(segments, text.slice(cursor, at));
    const original = text.slice(at, at + entity.literal.length);
    if (entity.segment) {
      segments.push({ ...entity.segment, text: entity.segment.kind === 'url' ? entity.segment.text : original });
    }
    cursor = at + entity.literal.length;
  }
  if (cursor < text.length) pushText(segments, text.slice(cursor));
  // A dropped media link leaves the space before it at the end.
  const last = segments.at(-1);
  if (last?.kind === 'text') last.text = last.text.trimEnd();
  return segments.filter((segment) => segment.text !== '');
}

/** Plain text joins the plain text before it (what a dropped link leaves is one piece). */
function pushText(segments: TextSegment[], text: string): void {
  const last = segments.at(-1);
  if (last?.kind === 'text') last.text += text;
  else segments.push({ kind: 'text', text });
}
