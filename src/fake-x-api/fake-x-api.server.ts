import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiReply, plainProblem, problem, v1Errors, V2_JSON, v2TooManyRequests, v2Unauthorized } from './api-reply';
import { FakeXApiStore } from './fake-x-api.store';
import { AuthKind, checkAuthorization, OAuth1Credentials } from './oauth1.verifier';
import { statusesUserTimeline } from './v1.handlers';
import { userByUsername, userTimeline } from './v2.handlers';

export type EndpointName = 'userByUsername' | 'userTimeline' | 'statusesUserTimeline';

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** What X announced in the captured headers: 15-minute windows. */
const DEFAULT_RATE_LIMITS: Record<EndpointName, RateLimitRule> = {
  userByUsername: { limit: 300, windowSeconds: 900 },
  userTimeline: { limit: 1500, windowSeconds: 900 },
  statusesUserTimeline: { limit: 900, windowSeconds: 900 },
};

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
  close(): Promise<void>;
}

const FAULT_KINDS = ['status', 'usageCapped', 'creditsDepleted', 'delay', 'html', 'truncatedJson', 'dropConnection'];

const ROUTES: { endpoint: EndpointName; pattern: RegExp }[] = [
  { endpoint: 'userByUsername', pattern: /^\/2\/users\/by\/username\/([^/]+)$/ },
  { endpoint: 'userTimeline', pattern: /^\/2\/users\/([^/]+)\/tweets$/ },
  { endpoint: 'statusesUserTimeline', pattern: /^\/1\.1\/statuses\/user_timeline\.json$/ },
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
  private queued: { fault: Fault; remaining: number; endpoint?: EndpointName }[] = [];

  add(fault: Fault, target: FaultTarget = {}): void {
    this.queued.push({ fault, remaining: target.times ?? 1, endpoint: target.endpoint });
  }

  /** The oldest fault meant for this endpoint, counting it as used once. */
  take(endpoint: EndpointName): Fault | undefined {
    const next = this.queued.find((candidate) => !candidate.endpoint || candidate.endpoint === endpoint);
    if (next && --next.remaining <= 0) this.queued = this.queued.filter((candidate) => candidate !== next);
    return next?.fault;
  }

  clear(): void {
    this.queued = [];
  }
}

interface ServerState {
  store: FakeXApiStore;
  credentials: { bearerToken: string; oauth1?: OAuth1Credentials };
  limiter: RateLimiter;
  faults: FaultQueue;
  log: LoggedRequest[];
}

/** Starts the fake X API on 127.0.0.1. */
export async function startFakeXApi(options: FakeXApiOptions = {}): Promise<FakeXApi> {
  const state: ServerState = {
    store: options.store ?? new FakeXApiStore(),
    credentials: { bearerToken: options.bearerToken ?? 'fake-bearer-token', oauth1: options.oauth1 },
    limiter: new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }),
    faults: new FaultQueue(),
    log: [],
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
  if (!route || method !== 'GET') return send(plainProblem(404, 'Not Found'));

  const { endpoint } = route;
  const isV1 = endpoint === 'statusesUserTimeline';
  const pathParameter = decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '');
  const answerNormally = (): ApiReply => {
    if (endpoint === 'userByUsername') return userByUsername(state.store, pathParameter, url.searchParams);
    if (endpoint === 'userTimeline') return userTimeline(state.store, pathParameter, url.searchParams);
    return statusesUserTimeline(state.store, url.searchParams);
  };

  const fault = state.faults.take(endpoint);
  if (fault?.kind === 'dropConnection') return void request.socket.destroy();
  if (fault?.kind === 'delay') await sleep(fault.ms);
  else if (fault) return send(...faultReply(fault, isV1, state.limiter.state(endpoint), answerNormally));

  // X sends no rate-limit headers with a 401.
  if (!auth.valid) return send(isV1 ? v1Unauthorized(auth.kind) : v2Unauthorized());
  const rate = state.limiter.take(endpoint);
  const headers = rateLimitHeaders(rate);
  if (!rate.allowed) return send(isV1 ? v1Errors(429, 88, 'Rate limit exceeded') : v2TooManyRequests(), headers);
  send(answerNormally(), headers);
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

/** A small HTTP interface to faults and the request log, for manual use. */
async function answerControl(
  state: ServerState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const reply = (status: number, body?: unknown) => {
    response.writeHead(status, body === undefined ? {} : { 'content-type': V2_JSON });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };
  switch (`${request.method} ${url.pathname}`) {
    case 'GET /_control/requests':
      return reply(200, state.log);
    case 'DELETE /_control/requests':
      state.log.splice(0);
      return reply(204);
    case 'DELETE /_control/faults':
      state.faults.clear();
      return reply(204);
    case 'POST /_control/faults':
      break;
    default:
      return reply(404, { error: 'unknown control route' });
  }
  let parsed: Fault & FaultTarget;
  try {
    parsed = JSON.parse(await readBody(request)) as Fault & FaultTarget;
  } catch {
    return reply(400, { error: 'the body must be JSON like {"kind":"status","status":503,"times":2}' });
  }
  const { times, endpoint, ...fault } = parsed;
  if (!FAULT_KINDS.includes(fault.kind)) return reply(400, { error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
  if (fault.kind === 'status' && !(fault.status in STATUS_TITLES)) {
    return reply(400, { error: `status must be one of ${Object.keys(STATUS_TITLES).join(', ')}` });
  }
  if (fault.kind === 'delay' && !(fault.ms >= 0)) return reply(400, { error: 'a delay needs ms' });
  state.faults.add(fault, { times, endpoint });
  reply(201, { fault, times: times ?? 1, endpoint: endpoint ?? null });
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

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
