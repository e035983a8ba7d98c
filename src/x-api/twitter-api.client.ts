import { Agent } from 'node:http';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  ITwitterApiClientPlugin,
  TwitterApi,
  TwitterApiReadOnly,
  TwitterRateLimit,
} from 'twitter-api-v2';
import { Environment, twitterCredentials } from '../config/environment';
import { Metrics } from '../metrics/metrics';
import {
  V1Status,
  V1User,
  V2_EXPANSIONS,
  V2_MEDIA_FIELDS,
  V2_TWEET_FIELDS,
  V2_USER_FIELDS,
  V2TimelineBody,
  V2User,
} from './x-api.mapper';

/** The X API routes the service calls, as X documents them: the label of their metrics, the key of their rate limits. */
export const X_ENDPOINTS = {
  userByUsername: '/2/users/by/username/:username',
  userById: '/2/users/:id',
  timeline: '/2/users/:id/tweets',
  tweetsLookup: '/2/tweets',
  usage: '/2/usage/tweets',
  usersShow: '/1.1/users/show.json',
  statuses: '/1.1/statuses/user_timeline.json',
} as const;
export type XEndpoint = (typeof X_ENDPOINTS)[keyof typeof X_ENDPOINTS];

/** The X API said no more requests until `resetAt`. */
export class RateLimitError extends Error {
  override name = 'RateLimitError';
  constructor(
    readonly resetAt: Date | null,
    options?: ErrorOptions,
  ) {
    super(`X API rate limit reached${resetAt ? `; it resets at ${resetAt.toISOString()}` : ''}`, options);
  }
}

/** The credentials were refused (401) or lack access to the endpoint (403). Retrying will not help. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The monthly usage cap (429 UsageCapExceeded) or the credits (402) are spent: no request will pass. */
export class UsageCapError extends Error {
  override name = 'UsageCapError';
}

/** Network error, timeout or 5xx: worth retrying. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** The account's tweets cannot be read: unknown or suspended (not_found), or protected. */
export class AccountUnavailableError extends Error {
  override name = 'AccountUnavailableError';
  constructor(
    readonly kind: 'not_found' | 'protected',
    message: string,
  ) {
    super(message);
  }
}

/** An answer that is not the JSON the endpoint documents (an HTML page, a cut-off body, a 400). */
export class BadResponseError extends Error {
  override name = 'BadResponseError';
}

export interface RateLimitState {
  remaining: number;
  resetAt: Date;
}

export interface UserLookup {
  user?: V2User;
  /** Set instead of user for an unknown or suspended account. */
  problem?: { kind: 'not_found' | 'suspended'; detail: string };
  rateLimit: RateLimitState | null;
  /** Tweet objects the answer delivered (a pinned tweet in includes), which count against the month's cap. */
  postsDelivered: number;
}

export interface V1UserLookup {
  user?: V1User;
  /** Set instead of user for an unknown (404, code 50) or suspended (403, code 63) account. */
  problem?: { kind: 'not_found' | 'suspended'; detail: string };
  rateLimit: RateLimitState | null;
  /** 1 when X embeds the user's newest post (`status`), else 0. */
  postsDelivered: number;
}

export interface TimelinePage {
  body: V2TimelineBody;
  nextToken: string | undefined;
  /** Set when the account's tweets may not be read (protected, suspended, unknown). */
  problem?: { kind: 'not_found' | 'protected'; detail: string };
  rateLimit: RateLimitState | null;
  /** Tweet objects the answer delivered: data and includes.tweets. */
  postsDelivered: number;
}

export interface StatusesPage {
  statuses: V1Status[];
  rateLimit: RateLimitState | null;
  /** Tweet objects the answer delivered: the statuses and the retweeted and quoted statuses inside them. */
  postsDelivered: number;
}

export interface TweetsLookup {
  /** The tweets found, with their includes, as a timeline page carries them. */
  body: V2TimelineBody;
  /** The ids X answered with a not-found error: deleted (or never existed). */
  missing: string[];
  rateLimit: RateLimitState | null;
  /** Tweet objects the answer delivered: data and includes.tweets. */
  postsDelivered: number;
}

/** The X project's own figures, from GET /2/usage/tweets. */
export interface ProjectUsage {
  /** posts read by the project in the current cap period */
  projectUsage: number;
  /** posts the project may read per period */
  projectCap: number;
  /** as X sends it: per the OpenAPI spec the number of days left until the cap resets */
  capResetDay: number | null;
  rateLimit: RateLimitState | null;
}

/** What the timeline requests may leave out. */
export type TimelineExclusion = 'replies' | 'retweets';

/** Whose v1.1 timeline or user: a bare string is a screen name. */
export type V1Account = string | { userId: string } | { screenName: string };

interface InlineError {
  title?: string;
  detail?: string;
  type?: string;
}

const MAX_RESULTS = 100;

/**
 * The only door to the X API (and the only importer of twitter-api-v2). Returns plain API objects
 * and throws only the errors above, each keeping the library's error as `cause`.
 */
@Injectable()
export class TwitterApiClient {
  private readonly client: TwitterApiReadOnly | null;
  private readonly timeout: number;
  /** GET /2/usage/tweets takes only the app's bearer token. */
  private readonly canReadUsage: boolean;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly metrics: Metrics,
  ) {
    const credentials = twitterCredentials({
      TWITTER_BEARER_TOKEN: config.get('TWITTER_BEARER_TOKEN', { infer: true }),
      TWITTER_CONSUMER_KEY: config.get('TWITTER_CONSUMER_KEY', { infer: true }),
      TWITTER_CONSUMER_SECRET: config.get('TWITTER_CONSUMER_SECRET', { infer: true }),
      TWITTER_ACCESS_TOKEN: config.get('TWITTER_ACCESS_TOKEN', { infer: true }),
      TWITTER_ACCESS_TOKEN_SECRET: config.get('TWITTER_ACCESS_TOKEN_SECRET', { infer: true }),
    });
    this.timeout = config.get('TWITTER_REQUEST_TIMEOUT_MS', { infer: true });
    this.canReadUsage = credentials?.kind === 'bearer';
    const baseUrl = config.get('TWITTER_API_BASE_URL', { infer: true });
    const settings = {
      plugins: [redirectTo(baseUrl)],
      // twitter-api-v2 always calls https.request, which takes an http:// URL only with an http.Agent.
      httpAgent: baseUrl.startsWith('http://') ? new Agent({ keepAlive: true }) : undefined,
    };
    this.client =
      credentials === null
        ? null
        : credentials.kind === 'bearer'
          ? new TwitterApi(credentials.bearerToken, settings).readOnly
          : new TwitterApi(
              {
                appKey: credentials.consumerKey,
                appSecret: credentials.consumerSecret,
                accessToken: credentials.accessToken,
                accessSecret: credentials.accessTokenSecret,
              },
              settings,
            ).readOnly;
  }

  /** The account behind a screen name, with its profile fields. */
  async findUserByUsername(screenName: string): Promise<UserLookup> {
    const { data, rateLimit } = await this.get(X_ENDPOINTS.userByUsername, `users/by/username/${screenName}`, {
      'user.fields': V2_USER_FIELDS,
    });
    return toUserLookup(data, screenName, rateLimit);
  }

  /** The account behind a user id, with its profile fields; it finds the account under any name it takes. */
  async findUserById(userId: string): Promise<UserLookup> {
    const { data, rateLimit } = await this.get(X_ENDPOINTS.userById, `users/${userId}`, {
      'user.fields': V2_USER_FIELDS,
    });
    return toUserLookup(data, userId, rateLimit);
  }

  /** The v1.1 user (users/show.json) by id or screen name; unknown and suspended accounts are a `problem`. */
  async findV1User(who: { userId: string } | { screenName: string }): Promise<V1UserLookup> {
    const path = 'users/show.json';
    try {
      const { data, rateLimit } = await this.send(X_ENDPOINTS.usersShow, path, v1AccountQuery(who));
      const user = data as Partial<V1User> & { status?: unknown };
      if (typeof user.id_str !== 'string') throw new BadResponseError(`X API v1.1 ${path} did not answer a user`);
      return { user: user as V1User, rateLimit, postsDelivered: user.status ? 1 : 0 };
    } catch (error) {
      const problem = error instanceof ApiResponseError ? v1UserProblem(error) : undefined;
      if (!problem) throw translateError(error, path);
      return { problem, rateLimit: toRateLimitState((error as ApiResponseError).rateLimit), postsDelivered: 0 };
    }
  }

  /** The project's posts read and cap (GET /2/usage/tweets); null without a bearer token, which alone may read them. */
  async fetchUsage(): Promise<ProjectUsage | null> {
    if (!this.canReadUsage) return null;
    const { data, rateLimit } = await this.get(X_ENDPOINTS.usage, 'usage/tweets', {});
    const usage = (data as { data?: Record<string, unknown> }).data ?? {};
    const projectUsage = toCount(usage.project_usage);
    const projectCap = toCount(usage.project_cap);
    if (projectUsage === null || projectCap === null) {
      throw new BadResponseError('X API usage/tweets answered without project_usage and project_cap');
    }
    return { projectUsage, projectCap, capResetDay: toCount(usage.cap_reset_day), rateLimit };
  }

  /** One page of a user's tweets, newest first; since/until ids are exclusive. */
  async fetchTimelinePage(
    userId: string,
    page: {
      sinceId?: string;
      untilId?: string;
      paginationToken?: string;
      maxResults: number;
      exclude?: TimelineExclusion[];
    },
  ): Promise<TimelinePage> {
    const query: Record<string, string> = {
      max_results: String(Math.min(MAX_RESULTS, Math.max(5, page.maxResults))),
      'tweet.fields': V2_TWEET_FIELDS,
      'user.fields': V2_USER_FIELDS,
      'media.fields': V2_MEDIA_FIELDS,
      expansions: V2_EXPANSIONS,
    };
    if (page.sinceId) query.since_id = page.sinceId;
    if (page.untilId) query.until_id = page.untilId;
    if (page.paginationToken) query.pagination_token = page.paginationToken;
    if (page.exclude?.length) query.exclude = page.exclude.join(',');
    const { data, rateLimit } = await this.get(X_ENDPOINTS.timeline, `users/${userId}/tweets`, query);
    const body = data as V2TimelineBody & { errors?: InlineError[]; meta?: { next_token?: string } };
    const error = body.data === undefined ? body.errors?.[0] : undefined;
    return {
      body,
      nextToken: body.meta?.next_token,
      problem: error
        ? {
            kind: /authoriz|protected/i.test(`${error.title} ${error.detail}`) ? 'protected' : 'not_found',
            detail: error.detail ?? error.title ?? 'no access',
          }
        : undefined,
      rateLimit,
      postsDelivered: (body.data?.length ?? 0) + (body.includes?.tweets?.length ?? 0),
    };
  }

  /** Up to 100 tweets by id (GET /2/tweets), with the timeline's fields and expansions. */
  async lookupTweets(ids: string[]): Promise<TweetsLookup> {
    const { data, rateLimit } = await this.get(X_ENDPOINTS.tweetsLookup, 'tweets', {
      ids: ids.slice(0, MAX_RESULTS).join(','),
      'tweet.fields': V2_TWEET_FIELDS,
      'user.fields': V2_USER_FIELDS,
      'media.fields': V2_MEDIA_FIELDS,
      expansions: V2_EXPANSIONS,
    });
    const body = data as V2TimelineBody;
    const errors = (body as { errors?: (InlineError & { resource_id?: string; parameter?: string })[] }).errors;
    // Only errors about the ids asked: a referenced tweet that is gone is an error of its own kind.
    const missing = (errors ?? [])
      .filter((error) => error.parameter === 'ids' && /not-found/.test(error.type ?? '') && error.resource_id)
      .map((error) => error.resource_id!);
    return {
      // GET /2/tweets sends no meta; the mapper reads data and includes only.
      body: { ...body, meta: { result_count: body.data?.length ?? 0 } },
      missing,
      rateLimit,
      postsDelivered: (body.data?.length ?? 0) + (body.includes?.tweets?.length ?? 0),
    };
  }

  /**
   * One page of v1.1 statuses/user_timeline (extended text); since_id exclusive, max_id inclusive.
   * `who` as a bare string is a screen name.
   */
  async fetchStatusesPage(
    who: V1Account,
    page: { sinceId?: string; maxId?: string; count: number; exclude?: TimelineExclusion[] },
  ): Promise<StatusesPage> {
    const query: Record<string, string> = {
      ...v1AccountQuery(who),
      count: String(Math.min(200, Math.max(1, page.count))),
      tweet_mode: 'extended',
      include_rts: String(!page.exclude?.includes('retweets')),
      exclude_replies: String(page.exclude?.includes('replies') === true),
      include_ext_alt_text: 'true',
    };
    if (page.sinceId) query.since_id = page.sinceId;
    if (page.maxId) query.max_id = page.maxId;
    const { data, rateLimit } = await this.get(X_ENDPOINTS.statuses, 'statuses/user_timeline.json', query);
    if (!Array.isArray(data)) throw new BadResponseError('X API v1.1 user_timeline did not answer a list of statuses');
    const statuses = data as V1Status[];
    return { statuses, rateLimit, postsDelivered: statuses.reduce((sum, status) => sum + postsIn(status), 0) };
  }

  private async get(
    endpoint: XEndpoint,
    path: string,
    query: Record<string, string>,
  ): Promise<{ data: unknown; rateLimit: RateLimitState | null }> {
    try {
      return await this.send(endpoint, path, query);
    } catch (error) {
      throw translateError(error, path);
    }
  }

  /** The request itself, counted in the metrics; it throws the library's errors untranslated. */
  private async send(
    endpoint: XEndpoint,
    path: string,
    query: Record<string, string>,
  ): Promise<{ data: unknown; rateLimit: RateLimitState | null }> {
    if (!this.client) {
      throw new AuthError(
        0,
        'no X API credentials: set TWITTER_BEARER_TOKEN, or TWITTER_CONSUMER_KEY, TWITTER_CONSUMER_SECRET, TWITTER_ACCESS_TOKEN and TWITTER_ACCESS_TOKEN_SECRET',
      );
    }
    const version = endpoint.startsWith('/1.1/') ? 'v1' : 'v2';
    let response;
    try {
      response = await this.client[version].get(path, query, { fullResponse: true, timeout: this.timeout });
    } catch (error) {
      if (error instanceof ApiResponseError) this.count(endpoint, String(error.code), error.rateLimit);
      else if (error instanceof ApiPartialResponseError) this.count(endpoint, String(error.response.statusCode));
      else this.count(endpoint, 'network');
      throw error;
    }
    // twitter-api-v2 answers only a 2xx status this way; the rest are thrown as ApiResponseError.
    this.count(endpoint, '2xx', response.rateLimit);
    if (typeof response.data !== 'object' || response.data === null) {
      throw new BadResponseError(`X API answered ${path} with a body that is not JSON`);
    }
    return { data: response.data, rateLimit: toRateLimitState(response.rateLimit) };
  }

  private count(endpoint: XEndpoint, status: string, rateLimit?: TwitterRateLimit): void {
    this.metrics.xApiRequests.inc({ endpoint, status });
    const state = toRateLimitState(rateLimit);
    if (!state) return;
    this.metrics.rateLimitRemaining.set({ endpoint }, state.remaining);
    this.metrics.rateLimitReset.set({ endpoint }, state.resetAt.getTime() / 1000);
  }
}

/** A v2 user lookup's answer: the user, or the unknown or suspended account's error (both come as 200). */
function toUserLookup(data: unknown, who: string, rateLimit: RateLimitState | null): UserLookup {
  const body = data as { data?: V2User; includes?: { tweets?: unknown[] }; errors?: InlineError[] };
  const postsDelivered = body.includes?.tweets?.length ?? 0;
  if (body.data) return { user: body.data, rateLimit, postsDelivered };
  const error = body.errors?.[0];
  if (!error) throw new BadResponseError(`X API answered the lookup of ${who} with neither data nor errors`);
  const suspended = /suspend/i.test(error.detail ?? '') || error.title === 'Forbidden';
  return {
    problem: { kind: suspended ? 'suspended' : 'not_found', detail: error.detail ?? error.title ?? 'not found' },
    rateLimit,
    postsDelivered,
  };
}

function v1AccountQuery(who: V1Account): Record<string, string> {
  if (typeof who === 'string') return { screen_name: who };
  return 'userId' in who ? { user_id: who.userId } : { screen_name: who.screenName };
}

/** users/show.json tells an unknown account by 404 code 50 and a suspended one by 403 code 63. */
function v1UserProblem(error: ApiResponseError): V1UserLookup['problem'] {
  const first = error.errors?.[0] as { code?: number; message?: string } | undefined;
  if (error.code === 404 && first?.code === 50) {
    return { kind: 'not_found', detail: first.message ?? 'User not found.' };
  }
  if (error.code === 403 && first?.code === 63) {
    return { kind: 'suspended', detail: first.message ?? 'User has been suspended.' };
  }
  return undefined;
}

/** A status and the retweeted and quoted statuses it carries: each is a post read. */
function postsIn(status: V1Status): number {
  const nested = [status.retweeted_status, status.quoted_status];
  return 1 + nested.reduce((sum, inner) => sum + (inner ? postsIn(inner) : 0), 0);
}

/** A count as X sends it: a JSON number, or a string of digits as in the usage examples of its documentation. */
function toCount(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

function redirectTo(baseUrl: string): ITwitterApiClientPlugin {
  return {
    // Rewritten before the request is built, so OAuth 1.0a signs the URL actually requested.
    onBeforeRequestConfig({ params }) {
      const original = new URL(params.url);
      params.url = `${baseUrl}${original.pathname}${original.search}`;
    },
  };
}

function toRateLimitState(rateLimit: TwitterRateLimit | undefined): RateLimitState | null {
  if (!rateLimit || !Number.isFinite(rateLimit.remaining) || !Number.isFinite(rateLimit.reset)) return null;
  return { remaining: rateLimit.remaining, resetAt: new Date(rateLimit.reset * 1000) };
}

// Messages name the endpoint and the status, never a credential; the library's error stays as cause.
function translateError(error: unknown, path: string): Error {
  if (error instanceof BadResponseError) return error;
  if (error instanceof ApiResponseError) {
    const body = typeof error.data === 'object' && error.data !== null ? error.data : {};
    const detail = body.detail ?? body.title ?? (typeof error.data === 'string' ? 'a non-JSON error page' : '');
    const where = `X API ${path} answered ${error.code}${detail ? `: ${detail}` : ''}`;
    // v1.1 tells unavailable accounts by status and code (v2 answers them 200 with errors[]).
    const v1Code = (body.errors?.[0] as { code?: number } | undefined)?.code;
    if (error.code === 404 && v1Code === 34) return new AccountUnavailableError('not_found', 'no such account');
    if (error.code === 403 && v1Code === 63)
      return new AccountUnavailableError('not_found', 'the account is suspended');
    if (error.code === 401 && v1Code === undefined && /not authorized/i.test(body.error ?? '')) {
      return new AccountUnavailableError('protected', 'the account is protected');
    }
    if (error.code === 429) {
      if (/usage-capped|UsageCapExceeded/i.test(`${body.type} ${body.title}`)) {
        return new UsageCapError(where, { cause: error });
      }
      const reset = error.rateLimit?.reset;
      return new RateLimitError(Number.isFinite(reset) ? new Date(reset! * 1000) : null, { cause: error });
    }
    if (error.code === 402) return new UsageCapError(where, { cause: error });
    if (error.code === 401) {
      return new AuthError(401, `X API refused the credentials (401 Unauthorized) on ${path}`, { cause: error });
    }
    if (error.code === 403) return new AuthError(403, where, { cause: error });
    if (error.code >= 500) return new TransientError(where, { cause: error });
    return new BadResponseError(where, { cause: error });
  }
  if (error instanceof ApiPartialResponseError) {
    return new BadResponseError(`X API ${path} answered with a cut-off or invalid JSON body`, { cause: error });
  }
  if (error instanceof ApiRequestError) {
    const reason = (error.requestError as Error | undefined)?.message ?? error.message;
    return new TransientError(`X API ${path} could not be reached: ${reason}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
