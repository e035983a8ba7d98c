import { setTimeout as sleepFor } from 'node:timers/promises';
import type { RateLimitState } from '../x-api/twitter-api.client';

/** The endpoint's rate limit resets later than SYNC_MAX_RATE_LIMIT_WAIT_SECONDS allows waiting. */
export class RateLimitWaitTooLong extends Error {
  override name = 'RateLimitWaitTooLong';
  constructor(
    endpoint: string,
    readonly resetAt: Date,
    maxWaitSeconds: number,
  ) {
    super(
      `rate limited on ${endpoint} until ${resetAt.toISOString()}, beyond SYNC_MAX_RATE_LIMIT_WAIT_SECONDS (${maxWaitSeconds})`,
    );
  }
}

export interface RateLimitBudgetOptions {
  maxWaitSeconds: number;
  log?: (message: string) => void;
  /** Each wait for a reset, as it begins: the endpoint and the seconds it waits. */
  onWait?: (endpoint: string, seconds: number) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Epoch milliseconds. */
  now?: () => number;
}

interface EndpointBudget {
  /** What the last answers said; null while unknown (nothing answered yet, or the window just reset). */
  known: RateLimitState | null;
  inFlight: number;
  /** Acquirers waiting for an answer of a request in flight. */
  waiting: Set<() => void>;
  /** The wait for the reset of the spent window `spent`, shared by every acquirer, until `until` (epoch ms). */
  reset: { spent: RateLimitState; until: number } | null;
}

// Past the reset, one more second: X's reset is in whole seconds and clocks differ a little.
const RESET_MARGIN_MS = 1000;
// A reset already past (clock skew) still waits this long: never a back-to-back request into a 429.
const MIN_RESET_WAIT_MS = 500;

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, { signal });
}

/**
 * The X API's rate limits are per endpoint and per app or user: every account of a run spends the
 * same budget. Each request asks acquire() before it goes and reports its answer to release(), so
 * no more requests are in flight than the last answer said remain, and every account waits for the
 * same reset when a window is spent instead of racing into 429s.
 */
export class RateLimitBudget {
  private readonly endpoints = new Map<string, EndpointBudget>();
  /** What each signal aborts: one listener on a run's signal, however many of its accounts wait. */
  private readonly onAbort = new WeakMap<AbortSignal, Set<() => void>>();
  private readonly maxWaitSeconds: number;
  private readonly log: (message: string) => void;
  private readonly onWait: (endpoint: string, seconds: number) => void;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(options: RateLimitBudgetOptions) {
    this.maxWaitSeconds = options.maxWaitSeconds;
    this.log = options.log ?? (() => undefined);
    this.onWait = options.onWait ?? (() => undefined);
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  /**
   * Resolves when a request to `endpoint` may go, counting it in flight: call release() once with
   * its answer, whatever the answer was. Throws RateLimitWaitTooLong, without waiting, when the
   * window is spent until later than maxWaitSeconds; rejects with the signal's reason once it aborts.
   */
  async acquire(endpoint: string, signal: AbortSignal): Promise<void> {
    const budget = this.budgetOf(endpoint);
    for (;;) {
      signal.throwIfAborted();
      const { known } = budget;
      // Unknown: one request (a probe) at a time, until its answer tells what remains.
      const mayGo = known === null ? budget.inFlight === 0 : known.remaining - budget.inFlight > 0;
      if (mayGo) {
        budget.inFlight++;
        return;
      }
      if (budget.inFlight > 0) await this.abortable(signal, (own) => this.nextAnswer(budget, own));
      else await this.waitForReset(endpoint, budget, known!, signal);
    }
  }

  /** The answer of a request acquire() let go: its rate-limit headers, or null to keep what is known. */
  release(endpoint: string, state: RateLimitState | null): void {
    const budget = this.budgetOf(endpoint);
    budget.inFlight = Math.max(0, budget.inFlight - 1);
    if (state) budget.known = latest(budget.known, state);
    this.wake(budget);
  }

  /**
   * A 429 answered though requests remained (another client of the same app spent them): nothing
   * remains until `resetAt`. It does not end the request: release() it too.
   */
  exhausted(endpoint: string, resetAt: Date): void {
    const budget = this.budgetOf(endpoint);
    budget.known = { remaining: 0, resetAt };
    this.wake(budget);
  }

  private budgetOf(endpoint: string): EndpointBudget {
    let budget = this.endpoints.get(endpoint);
    if (!budget) {
      budget = { known: null, inFlight: 0, waiting: new Set(), reset: null };
      this.endpoints.set(endpoint, budget);
    }
    return budget;
  }

  private wake(budget: EndpointBudget): void {
    const waiting = [...budget.waiting];
    budget.waiting.clear();
    for (const wake of waiting) wake();
  }

  /**
   * Runs `wait` with a signal of its own that aborts when `signal` does, and rejects with the
   * reason of `signal`. (Node warns past ten listeners on one signal, and every account waits on the run's.)
   */
  private async abortable(signal: AbortSignal, wait: (own: AbortSignal) => Promise<void>): Promise<void> {
    let aborts = this.onAbort.get(signal);
    if (!aborts) {
      const waiting = new Set<() => void>();
      signal.addEventListener('abort', () => waiting.forEach((abort) => abort()), { once: true });
      this.onAbort.set(signal, waiting);
      aborts = waiting;
    }
    const own = new AbortController();
    const abort = () => own.abort(signal.reason);
    aborts.add(abort);
    try {
      await wait(own.signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason as Error;
      throw error;
    } finally {
      aborts.delete(abort);
    }
  }

  /** Resolves at the next answer (or 429) of the endpoint; rejects when `signal` aborts. */
  private nextAnswer(budget: EndpointBudget, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => resolve();
      budget.waiting.add(wake);
      signal.addEventListener(
        'abort',
        () => {
          budget.waiting.delete(wake);
          reject(new Error('aborted'));
        },
        { once: true },
      );
    });
  }

  /** Waits, with every other acquirer, for the reset of the spent window; then the window is unknown again. */
  private async waitForReset(
    endpoint: string,
    budget: EndpointBudget,
    spent: RateLimitState,
    signal: AbortSignal,
  ): Promise<void> {
    let reset = budget.reset;
    if (reset?.spent !== spent) {
      const now = this.now();
      // The limit is on X's own reset time: the safety margin after it is ours, so always allowed.
      if (spent.resetAt.getTime() - now > this.maxWaitSeconds * 1000) {
        throw new RateLimitWaitTooLong(endpoint, spent.resetAt, this.maxWaitSeconds);
      }
      const pause = Math.max(spent.resetAt.getTime() + RESET_MARGIN_MS - now, MIN_RESET_WAIT_MS);
      reset = budget.reset = { spent, until: now + pause };
      this.log(
        `rate limit of ${endpoint} spent: every request to it waits ${Math.ceil(pause / 1000)} s, until ${new Date(reset.until).toISOString()}`,
      );
      this.onWait(endpoint, pause / 1000);
    }
    const until = reset.until;
    await this.abortable(signal, (own) => this.sleep(Math.max(0, until - this.now()), own));
    // The first acquirer awake forgets the spent window (unless an answer replaced it meanwhile).
    if (budget.known === spent) {
      budget.known = null;
      budget.reset = null;
    }
  }
}

/**
 * Answers can arrive out of order: of two from the same window, the lower remaining count is the
 * later one; an answer from a window already reset says nothing about the current one.
 */
function latest(known: RateLimitState | null, answer: RateLimitState): RateLimitState {
  if (known === null) return answer;
  const answerReset = answer.resetAt.getTime();
  const knownReset = known.resetAt.getTime();
  if (answerReset !== knownReset) return answerReset > knownReset ? answer : known;
  return answer.remaining < known.remaining ? answer : known;
}
