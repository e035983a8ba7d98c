import { createHmac, timingSafeEqual } from 'node:crypto';

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessSecret: string;
}

export type AuthKind = 'bearer' | 'oauth1' | 'none' | 'other';

export interface AuthCheck {
  kind: AuthKind;
  valid: boolean;
}

/** Checks an Authorization header: a Bearer token, or an OAuth 1.0a HMAC-SHA1 signature. */
export function checkAuthorization(
  header: string | undefined,
  request: { method: string; url: URL },
  credentials: { bearerToken: string; oauth1?: OAuth1Credentials },
): AuthCheck {
  if (!header) return { kind: 'none', valid: false };
  if (header.startsWith('Bearer ')) {
    return { kind: 'bearer', valid: sameText(header.slice('Bearer '.length), credentials.bearerToken) };
  }
  if (header.startsWith('OAuth ')) {
    const valid = credentials.oauth1 !== undefined && isValidOAuth1(header, request, credentials.oauth1);
    return { kind: 'oauth1', valid };
  }
  return { kind: 'other', valid: false };
}

function isValidOAuth1(header: string, request: { method: string; url: URL }, credentials: OAuth1Credentials): boolean {
  const oauthParams = parseOAuthHeader(header);
  const signature = oauthParams.get('oauth_signature');
  oauthParams.delete('oauth_signature');
  oauthParams.delete('realm');
  if (
    signature === undefined ||
    oauthParams.get('oauth_signature_method') !== 'HMAC-SHA1' ||
    oauthParams.get('oauth_consumer_key') !== credentials.consumerKey ||
    oauthParams.get('oauth_token') !== credentials.accessToken
  ) {
    return false;
  }
  const expected = signOAuth1(request.method, request.url, oauthParams, credentials);
  return sameText(signature, expected);
}

/** RFC 5849 §3.4: HMAC-SHA1 over method, base URI and every query and oauth_* parameter. */
export function signOAuth1(
  method: string,
  url: URL,
  oauthParams: Map<string, string>,
  credentials: Pick<OAuth1Credentials, 'consumerSecret' | 'accessSecret'>,
): string {
  const pairs = [...url.searchParams.entries(), ...oauthParams.entries()]
    .map(([key, value]) => [percentEncode(key), percentEncode(value)])
    .sort(([keyA, valueA], [keyB, valueB]) => compare(keyA, keyB) || compare(valueA, valueB));
  const parameterString = pairs.map(([key, value]) => `${key}=${value}`).join('&');
  // The base URI is scheme, host (with a non-default port) and path, lower-cased host.
  const baseUri = `${url.protocol}//${url.host.toLowerCase()}${url.pathname}`;
  const baseString = [method.toUpperCase(), percentEncode(baseUri), percentEncode(parameterString)].join('&');
  const key = `${percentEncode(credentials.consumerSecret)}&${percentEncode(credentials.accessSecret)}`;
  return createHmac('sha1', key).update(baseString).digest('base64');
}

function parseOAuthHeader(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [, key, value] of header.slice('OAuth '.length).matchAll(/([\w-]+)="([^"]*)"/g)) {
    params.set(decodeURIComponent(key), decodeURIComponent(value));
  }
  return params;
}

/** RFC 3986 unreserved characters stay, everything else is %XX. */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => '%' + char.charCodeAt(0).toString(16).toUpperCase());
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
