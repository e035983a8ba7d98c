import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiReply,
  plainProblem,
  problem,
  v1Errors,
  V2_JSON,
  v2BearerTokenOnly,
  v2TooManyRequests,
  v2Unauthorized,
} from './api-reply';
import { FakeXApiStore } from './fake-x-api.store';
import { AuthKind, checkAuthorization, OAuth1Credentials } from './oauth1.verifier';
import { statusesUserTimeline, usersShow } from './v1.handlers';
import { tweetsLookup, userById, userByUsername, userTimeline, usageTweets } from './v2.handlers';

export type EndpointName =
  | 'userByUsername'
  | 'userById'
  | 'userTimeline'
  | 'tweetsLookup'
  | 'statusesUserTimeline'
  | 'usersShow'
  | 'usageTweets';

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** What X announced in the captured headers: 15-minute windows. */
const DEFAULT_RATE_LIMITS: Record<EndpointName, RateLimitRule> = {
  userByUsername: { limit: 300, windowSeconds: 900 },
  userById: { limit: 300, windowSeconds: 900 },
  userTimeline: { limit: 1500, windowSeconds: 900 },
  tweetsLookup: { limit: 900, windowSeconds: 900 },
  statusesUserTimeline: { limit: 900, windowSeconds: 900 },
  usersShow: { limit: 900, windowSeconds: 900 },
  // As the Usage API's documentation states it.
  usageTweets: { limit: 50, windowSeconds: 900 },
};

const V1_ENDPOINTS: EndpointName[] = ['statusesUserTimeline', 'usersShow'];

/** The endpoints the monthly post cap closes; user lookups and the usage stay open. */
const TWEET_READING_ENDPOINTS: EndpointName[] = ['userTimeline', 'tweetsLookup', 'statusesUserTimeline'];

/** What GET /2/usage/tweets reports as project_cap when no cap is set. */
const DEFAULT_PROJECT_CAP = 10_000_000;

export type Fault =
  /** 429 with exhausted rate-limit headers (reset defaults to the end of the window), or a 5xx */
  | { kind: 'status'; status: 429 | 500 | 502 | 503; resetAt?: number }
  /** 429 "UsageCapExceeded": the monthly cap, while x-rate-limit-remaining is still > 0 */
  | { kind: 'usageCapped' }
  /** 402 "credits depleted" of pay-per-use accounts */
  | { kind: 'creditsDepleted' }
  /** answers normally, after a pause */
  | { kind: 'delay'; ms: number }
  /** an HTML error page instead of JSON */
  | { kind: 'html'; status?: number }
  /** 200 with the first half of the real JSON body */
  | { kind: 'truncatedJson' }
  /** the socket is destroyed without any answer */
  | { kind: 'dropConnection' };

export interface FaultTarget {
  /** how many requests the fault answers (default 1) */
  times?: number;
  /** only requests to this endpoint (default: any) */
  endpoint?: EndpointName;
  /** only requests to this path, such as one user's timeline (default: any) */
  path?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  endpoint?: EndpointName;
  auth: AuthKind;
  /** null when the connection was dropped */
  status: number | null;
}

export interface FakeXApiOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  bearerToken?: string;
  /** OAuth 1.0a is refused unless these are given */
  oauth1?: OAuth1Credentials;
  rateLimits?: Partial<Record<EndpointName, RateLimitRule>>;
  store?: FakeXApiStore;
  /** Once the API answers delivered this many posts, timelines answer 429 UsageCapExceeded (default: no cap). */
  monthlyPostCap?: number;
  /** The day of the month (1 to 31) the cap resets, for GET /2/usage/tweets (default 1). */
  capResetDay?: number;
  /**
   * GET /2/usage/tweets sends project_cap and project_usage as strings of digits, as X's own
   * documentation examples show them, instead of the spec's integers (default false).
   */
  usageCountsAsStrings?: boolean;
  /** Every API request (not /_control) is answered after this many milliseconds (default 0). */
  latencyMs?: number;
}

export interface FakeXApi {
  /** http://127.0.0.1:<port>, without a trailing slash */
  readonly url: string;
  readonly store: FakeXApiStore;
  /** The next `times` requests (to `endpoint`, if given) answer with this fault. */
  injectFault(fault: Fault, target?: FaultTarget): void;
  clearFaults(): void;
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** Starts every rate-limit window afresh. */
  resetRateLimits(): void;
  /** The posts (tweet objects, nested ones included) the API answers delivered since the start or the last reset. */
  postsServed(): number;
  /** Timelines answer 429 UsageCapExceeded while postsServed() >= cap; null lifts the cap. */
  setMonthlyPostCap(cap: number | null): void;
  /** Starts the month's count afresh; the fake never does it on its own at the reset day. */
  resetPostsServed(): void;
  close(): Promise<void>;
}

const FAULT_KINDS = ['status', 'usageCapped', 'creditsDepleted', 'delay', 'html', 'truncatedJson', 'dropConnection'];

const ROUTES: { endpoint: EndpointName; pattern: RegExp }[] = [
  { endpoint: 'userByUsername', pattern: /^\/2\/users\/by\/username\/([^/]+)$/ },
  { endpoint: 'userById', pattern: /^\/2\/users\/([^/]+)$/ },
  { endpoint: 'userTimeline', pattern: /^\/2\/users\/([^/]+)\/tweets$/ },
  { endpoint: 'tweetsLookup', pattern: /^\/2\/tweets$/ },
  { endpoint: 'statusesUserTimeline', pattern: /^\/1\.1\/statuses\/user_timeline\.json$/ },
  { endpoint: 'usersShow', pattern: /^\/1\.1\/users\/show\.json$/ },
  { endpoint: 'usageTweets', pattern: /^\/2\/usage\/tweets$/ },
];

const STATUS_TITLES: Record<number, string> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const OVER_CAPACITY_PAGE =
  '<!DOCTYPE html><html><head><title>Twitter / Over capacity</title></head>' +
  '<body><h1>Twitter is over capacity.</h1><p>Please wait a moment and try again.</p></body></html>';

interface RateLimitState {
  limit: number;
  remaining: number;
  resetEpochSeconds: number;
}

/** Fixed windows per endpoint, each starting with its first request. */
class RateLimiter {
  private readonly windows = new Map<EndpointName, { startedMs: number; used: number }>();

  constructor(private readonly rules: Record<EndpointName, RateLimitRule>) {}

  /** Counts a request if the window has room; `allowed` says whether it had. */
  take(endpoint: EndpointName): RateLimitState & { allowed: boolean } {
    const window = this.currentWindow(endpoint);
    const allowed = window.used < this.rules[endpoint].limit;
    if (allowed) window.used++;
    return { ...this.state(endpoint), allowed };
  }

  state(endpoint: EndpointName): RateLimitState {
    const rule = this.rules[endpoint];
    const window = this.currentWindow(endpoint);
    return {
      limit: rule.limit,
      remaining: rule.limit - window.used,
      resetEpochSeconds: Math.ceil((window.startedMs + rule.windowSeconds * 1000) / 1000),
    };
  }

  reset(): void {
    this.windows.clear();
  }

  private currentWindow(endpoint: EndpointName): { startedMs: number; used: number } {
    const now = Date.now();
    const existing = this.windows.get(endpoint);
    if (existing && now < existing.startedMs + this.rules[endpoint].windowSeconds * 1000) return existing;
    const fresh = { startedMs: now, used: 0 };
    this.windows.set(endpoint, fresh);
    return fresh;
  }
}

class FaultQueue {
  private queued: { fault: Fault; remaining: number; endpoint?: EndpointName; path?: string }[] = [];

  add(fault: Fault, target: FaultTarget = {}): void {
    this.queued.push({ fault, remaining: target.times ?? 1, endpoint: target.endpoint, path: target.path });
  }

  /** The oldest fault meant for this endpoint and path, counting it as used once. */
  take(endpoint: EndpointName, path: string): Fault | undefined {
    const next = this.queued.find(
      (candidate) =>
        (!candidate.endpoint || candidate.endpoint === endpoint) && (!candidate.path || candidate.path === path),
    );
    if (next && --next.remaining <= 0) this.queued = this.queued.filter((candidate) => candidate !== next);
    return next?.fault;
  }

  clear(): void {
    this.queued = [];
  }
}

interface PostUsage {
  postsServed: number;
  monthlyPostCap: number | null;
  capResetDay: number;
  countsAsStrings: boolean;
}

interface ServerState {
  store: FakeXApiStore;
  credentials: { bearerToken: string; oauth1?: OAuth1Credentials };
  limiter: RateLimiter;
  faults: FaultQueue;
  log: LoggedRequest[];
  usage: PostUsage;
  latencyMs: number;
}

/** Starts the fake X API on 127.0.0.1. */
export async function startFakeXApi(options: FakeXApiOptions = {}): Promise<FakeXApi> {
  const capResetDay = options.capResetDay ?? 1;
  if (!Number.isInteger(capResetDay) || capResetDay < 1 || capResetDay > 31) {
    throw new Error(`capResetDay must be a day of the month, 1 to 31, got ${capResetDay}`);
  }
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`latencyMs must be 0 or more, got ${latencyMs}`);
  const state: ServerState = {
    store: options.store ?? new FakeXApiStore(),
    credentials: { bearerToken: options.bearerToken ?? 'fake-bearer-token', oauth1: options.oauth1 },
    limiter: new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }),
    faults: new FaultQueue(),
    log: [],
    usage: {
      postsServed: 0,
      monthlyPostCap: checkedCap(options.monthlyPostCap ?? null),
      capResetDay,
      countsAsStrings: options.usageCountsAsStrings ?? false,
    },
    latencyMs,
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const answer = url.pathname.startsWith('/_control/') ? answerControl : answerApi;
    answer(state, request, response, url).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`fake X API failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    store: state.store,
    injectFault: (fault, target) => state.faults.add(fault, target),
    clearFaults: () => state.faults.clear(),
    requests: () => [...state.log],
    clearRequests: () => void state.log.splice(0),
    resetRateLimits: () => state.limiter.reset(),
    postsServed: () => state.usage.postsServed,
    setMonthlyPostCap: (cap) => void (state.usage.monthlyPostCap = checkedCap(cap)),
    resetPostsServed: () => void (state.usage.postsServed = 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function answerApi(
  state: ServerState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const method = request.method ?? 'GET';
  const route = ROUTES.find((candidate) => candidate.pattern.test(url.pathname));
  const auth = checkAuthorization(request.headers.authorization, { method, url }, state.credentials);
  const entry: LoggedRequest = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    endpoint: route?.endpoint,
    auth: auth.kind,
    status: null,
  };
  state.log.push(entry);
  const send = (reply: ApiReply, headers: Record<string, string> = {}) => {
    entry.status = reply.status;
    response.writeHead(reply.status, { ...headers, 'content-type': reply.contentType });
    response.end(reply.body);
  };
  // A pause that holds no one else up: requests answered after it overlap as real ones do.
  if (state.latencyMs > 0) await sleep(state.latencyMs);
  if (!route || method !== 'GET') return send(plainProblem(404, 'Not Found'));

  const { endpoint } = route;
  const isV1 = V1_ENDPOINTS.includes(endpoint);
  const pathParameter = decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '');
  const answerNormally = (): ApiReply => answerEndpoint(state, endpoint, pathParameter, url.searchParams);

  const fault = state.faults.take(endpoint, url.pathname);
  if (fault?.kind === 'dropConnection') return void request.socket.destroy();
  if (fault?.kind === 'delay') await sleep(fault.ms);
  else if (fault) return send(...faultReply(fault, isV1, state.limiter.state(endpoint), answerNormally));

  // X sends no rate-limit headers with a 401.
  if (!auth.valid) return send(isV1 ? v1Unauthorized(auth.kind) : v2Unauthorized());
  if (endpoint === 'usageTweets' && auth.kind !== 'bearer') return send(v2BearerTokenOnly());
  const { monthlyPostCap, postsServed } = state.usage;
  if (TWEET_READING_ENDPOINTS.includes(endpoint) && monthlyPostCap !== null && postsServed >= monthlyPostCap) {
    // As the usageCapped fault: the rate-limit window still has room and this request is not counted in it.
    return send(usageCappedProblem(), rateLimitHeaders(state.limiter.state(endpoint)));
  }
  const rate = state.limiter.take(endpoint);
  const headers = rateLimitHeaders(rate);
  if (!rate.allowed) return send(isV1 ? v1Errors(429, 88, 'Rate limit exceeded') : v2TooManyRequests(), headers);
  const reply = answerNormally();
  // X counts the posts after it sent them: the answer that passes the cap still arrives whole.
  state.usage.postsServed += reply.postsDelivered ?? 0;
  send(reply, headers);
}

function answerEndpoint(
  state: ServerState,
  endpoint: EndpointName,
  pathParameter: string,
  query: URLSearchParams,
): ApiReply {
  switch (endpoint) {
    case 'userByUsername':
      return userByUsername(state.store, pathParameter, query);
    case 'userById':
      return userById(state.store, pathParameter, query);
    case 'userTimeline':
      return userTimeline(state.store, pathParameter, query);
    case 'tweetsLookup':
      return tweetsLookup(state.store, query);
    case 'statusesUserTimeline':
      return statusesUserTimeline(state.store, query);
    case 'usersShow':
      return usersShow(state.store, query);
    case 'usageTweets':
      return usageTweets(query, {
        projectUsage: state.usage.postsServed,
        projectCap: state.usage.monthlyPostCap ?? DEFAULT_PROJECT_CAP,
        capResetDayOfMonth: state.usage.capResetDay,
        countsAsStrings: state.usage.countsAsStrings,
        nowMs: Date.now(),
      });
  }
}

/** The answer to a request hit by a fault (other than a delay or a dropped connection), and its headers. */
function faultReply(
  fault: Exclude<Fault, { kind: 'delay' | 'dropConnection' }>,
  isV1: boolean,
  rate: RateLimitState,
  answerNormally: () => ApiReply,
): [ApiReply, Record<string, string>] {
  switch (fault.kind) {
    case 'status': {
      const exhausted = { ...rate, remaining: 0, resetEpochSeconds: fault.resetAt ?? rate.resetEpochSeconds };
      return [statusFault(fault.status, isV1), fault.status === 429 ? rateLimitHeaders(exhausted) : {}];
    }
    case 'usageCapped':
      return [usageCappedProblem(), rateLimitHeaders(rate)];
    case 'creditsDepleted': {
      // As several public clients record it for pay-per-use accounts out of credits.
      const body = {
        detail: 'credits depleted',
        status: 402,
        title: 'Payment Required',
        type: 'https://api.x.com/2/problems/credits-depleted',
      };
      return [{ status: 402, contentType: V2_JSON, body: JSON.stringify(body) }, {}];
    }
    case 'html':
      return [{ status: fault.status ?? 503, contentType: 'text/html;charset=utf-8', body: OVER_CAPACITY_PAGE }, {}];
    case 'truncatedJson': {
      const reply = answerNormally();
      return [{ ...reply, status: 200, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) }, {}];
    }
  }
}

type ControlReply = (status: number, body?: unknown) => void;

/** A small HTTP interface to faults, the request log, the post cap and renames, for manual use. */
async function answerControl(
  state: ServerState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const reply: ControlReply = (status, body) => {
    response.writeHead(status, body === undefined ? {} : { 'content-type': V2_JSON });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const route = `${request.method} ${url.pathname}`;
  const rename = /^POST \/_control\/users\/([^/]+)\/rename$/.exec(route);
  switch (route) {
    case 'GET /_control/requests':
      return reply(200, state.log);
    case 'DELETE /_control/requests':
      state.log.splice(0);
      return reply(204);
    case 'DELETE /_control/faults':
      state.faults.clear();
      return reply(204);
    case 'POST /_control/faults':
      return addFault(state, await readJsonObject(request), reply);
    case 'GET /_control/usage':
      return reply(200, usageReport(state.usage));
    case 'POST /_control/monthly-cap':
      return setMonthlyCap(state, await readJsonObject(request), reply);
    default:
      if (rename) return renameUser(state, decodeURIComponent(rename[1]), await readJsonObject(request), reply);
      return reply(404, { error: 'unknown control route' });
  }
}

function addFault(state: ServerState, body: Record<string, unknown> | undefined, reply: ControlReply): void {
  if (!body) return reply(400, { error: 'the body must be JSON like {"kind":"status","status":503,"times":2}' });
  const { times, endpoint, path, ...fault } = body as unknown as Fault & FaultTarget;
  if (!FAULT_KINDS.includes(fault.kind)) return reply(400, { error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
  if (fault.kind === 'status' && !(fault.status in STATUS_TITLES)) {
    return reply(400, { error: `status must be one of ${Object.keys(STATUS_TITLES).join(', ')}` });
  }
  if (fault.kind === 'delay' && !(fault.ms >= 0)) return reply(400, { error: 'a delay needs ms' });
  state.faults.add(fault, { times, endpoint, path });
  reply(201, { fault, times: times ?? 1, endpoint: endpoint ?? null });
}

function setMonthlyCap(state: ServerState, body: Record<string, unknown> | undefined, reply: ControlReply): void {
  const cap = body?.cap;
  if (cap !== null && !(typeof cap === 'number' && Number.isInteger(cap) && cap >= 0)) {
    return reply(400, { error: 'the body must be JSON like {"cap":1000}, or {"cap":null} for no cap' });
  }
  state.usage.monthlyPostCap = cap;
  reply(200, usageReport(state.usage));
}

function renameUser(
  state: ServerState,
  userId: string,
  body: Record<string, unknown> | undefined,
  reply: ControlReply,
): void {
  if (typeof body?.username !== 'string') {
    return reply(400, { error: 'the body must be JSON like {"username":"new_name"}' });
  }
  if (!state.store.findUserById(userId)) return reply(404, { error: `no user with id ${userId}` });
  try {
    const user = state.store.renameUser(userId, body.username);
    reply(200, { id: user.id, username: user.username });
  } catch (error) {
    reply(409, { error: (error as Error).message });
  }
}

function usageReport({ postsServed, monthlyPostCap, capResetDay }: PostUsage) {
  return { postsServed, monthlyPostCap, capResetDay };
}

/** The cap of the options and of setMonthlyPostCap: a count of posts, or null for none. */
function checkedCap(cap: number | null): number | null {
  if (cap !== null && !(Number.isInteger(cap) && cap >= 0)) {
    throw new Error(`monthlyPostCap must be a whole number of posts, 0 or more, got ${cap}`);
  }
  return cap;
}

function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'x-rate-limit-limit': String(state.limit),
    'x-rate-limit-remaining': String(Math.max(0, state.remaining)),
    'x-rate-limit-reset': String(state.resetEpochSeconds),
  };
}

/** v1.1 says "Invalid or expired token" to a bad bearer token and "Could not authenticate you" otherwise. */
function v1Unauthorized(kind: AuthKind): ApiReply {
  return kind === 'bearer'
    ? v1Errors(401, 89, 'Invalid or expired token.')
    : v1Errors(401, 32, 'Could not authenticate you.');
}

function statusFault(status: 429 | 500 | 502 | 503, isV1: boolean): ApiReply {
  if (!isV1) return plainProblem(status, STATUS_TITLES[status]);
  if (status === 429) return v1Errors(429, 88, 'Rate limit exceeded');
  return status === 500 ? v1Errors(500, 131, 'Internal error') : v1Errors(status, 130, 'Over capacity');
}

/** The body reported verbatim in xdevplatform/xdk issue #25 (2026), with a made-up account id. */
function usageCappedProblem(): ApiReply {
  return problem(429, {
    account_id: '1500000000000000000',
    product_name: 'standard-basic',
    title: 'UsageCapExceeded',
    period: 'Monthly',
    scope: 'Product',
    detail: 'Usage cap exceeded: Monthly product cap',
    type: 'https://api.twitter.com/2/problems/usage-capped',
  });
}

/** The body as a JSON object, or undefined when it is not one. */
async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
