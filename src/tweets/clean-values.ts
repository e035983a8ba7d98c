// PostgreSQL refuses NUL in text ("invalid byte sequence") and in jsonb ("unsupported Unicode
// escape sequence"), and a lone UTF-16 surrogate in jsonb; X lets both through now and then.
const NUL = /\0/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// How JSON.stringify writes those two: only a string showing one of these needs the slow path.
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/** The text without NUL characters, lone surrogates replaced with U+FFFD. */
export function cleanText(text: string): string {
  return text.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** JSON text for a jsonb column, every string (keys included) cleaned as cleanText does. */
export function cleanJson(value: unknown): string {
  const json = JSON.stringify(value);
  return SUSPECT_ESCAPE.test(json) ? JSON.stringify(cleanStrings(value)) : json;
}

function cleanStrings(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanStrings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [cleanText(key), cleanStrings(item)]));
  }
  return value;
}
