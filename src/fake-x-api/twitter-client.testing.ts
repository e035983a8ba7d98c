import { Agent } from 'node:http';
import { ITwitterApiClientPlugin, TwitterApi, TwitterApiTokens } from 'twitter-api-v2';

/** Sends every request of twitter-api-v2 to `baseUrl` instead of https://api.x.com. */
export function redirectTo(baseUrl: string): ITwitterApiClientPlugin {
  return {
    // Rewriting here, before the request is built, makes OAuth 1.0a sign the URL actually requested.
    onBeforeRequestConfig({ params }) {
      const original = new URL(params.url);
      params.url = `${baseUrl}${original.pathname}${original.search}`;
    },
  };
}

/**
 * A twitter-api-v2 client talking to the fake. The library always calls https.request, which
 * takes an http:// URL only together with an http.Agent.
 */
export function clientForFake(baseUrl: string, auth: string | TwitterApiTokens): TwitterApi {
  const settings = { plugins: [redirectTo(baseUrl)], httpAgent: new Agent() };
  return typeof auth === 'string' ? new TwitterApi(auth, settings) : new TwitterApi(auth, settings);
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** A plain GET with a bearer token, for asserting exact bodies and headers. */
export async function getRaw(baseUrl: string, path: string, bearerToken?: string): Promise<RawResponse> {
  const response = await fetch(baseUrl + path, {
    headers: bearerToken ? { authorization: `Bearer ${bearerToken}` } : {},
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
