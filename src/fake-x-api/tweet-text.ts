import { createHash } from 'node:crypto';

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z). */
const TWITTER_EPOCH_MS = 1288834974657n;

/** A snowflake id as X makes them: ((ms - epoch) << 22) | low bits, as a decimal string. */
export function snowflakeAt(ms: number, lowBits: number): string {
  return (((BigInt(ms) - TWITTER_EPOCH_MS) << 22n) | BigInt(lowBits & 0x3fffff)).toString();
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + TWITTER_EPOCH_MS);
}

export function compareIds(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Lengths and indices are in code points, as X counts them (an emoji is one, not two). */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** Cuts to `max` code points, the last one being "…", as X truncates retweets and long posts. */
export function truncateWithEllipsis(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max - 1).join('') + '…';
}

/** X escapes only these three in tweet text, never quotes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A rough language tag from the script used, enough for realistic `lang` values. */
export function guessLanguage(text: string): string {
  if (/[\u3040-\u30ff]/.test(text)) return 'ja';
  if (/[\uac00-\ud7af]/.test(text)) return 'ko';
  if (/[\u4e00-\u9fff]/.test(text)) return 'zh';
  return 'en';
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A t.co link, stable for the same seed so that generated data is reproducible. */
export function tcoLink(seed: string): string {
  let value = BigInt('0x' + createHash('sha1').update(seed).digest('hex'));
  let code = '';
  for (let i = 0; i < 10; i++) {
    code += BASE62[Number(value % 62n)];
    value /= 62n;
  }
  return `https://t.co/${code}`;
}

/** How X shows a link: no scheme, no "www.", cut after 26 characters ("twitter.com/i/web/status/1…"). */
export function displayUrl(expandedUrl: string): string {
  const bare = expandedUrl.replace(/^https?:\/\//, '').replace(/^www\./, '');
  return truncateWithEllipsis(bare, 27);
}

export type TextEntityKind = 'mention' | 'hashtag' | 'cashtag' | 'url';

/** An entity found in a text; start/end are code-point offsets, end exclusive. */
export interface TextEntity {
  kind: TextEntityKind;
  start: number;
  end: number;
  /** username, tag or symbol without its sigil; the t.co link itself for urls */
  value: string;
}

const ENTITY_PATTERNS: Record<TextEntityKind, RegExp> = {
  mention: /(?<![\w@])@(\w{1,15})/g,
  hashtag: /(?<![\p{L}\p{N}_#])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu,
  cashtag: /(?<![\w$])\$([A-Za-z]{1,6})(?!\w)/g,
  url: /https:\/\/t\.co\/[A-Za-z0-9]+/g,
};

export function findEntities(text: string): TextEntity[] {
  const entities: TextEntity[] = [];
  for (const [kind, pattern] of Object.entries(ENTITY_PATTERNS) as [TextEntityKind, RegExp][]) {
    for (const match of text.matchAll(pattern)) {
      const start = codePointLength(text.slice(0, match.index));
      entities.push({ kind, start, end: start + codePointLength(match[0]), value: match[1] ?? match[0] });
    }
  }
  return entities.sort((a, b) => a.start - b.start);
}
