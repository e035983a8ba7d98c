import { getEventListeners } from 'node:events';
import { RateLimitBudget, RateLimitWaitTooLong } from './rate-limit-budget';

const START = Date.parse('2026-12-15T12:00:00.000Z');
const at = (ms: number) => new Date(START + ms);

/** A clock that only moves when told, and sleeps that end when told. */
class FakeTime {
  now = START;
  readonly sleeps: { ms: number; wake: () => void }[] = [];

  readonly sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      this.sleeps.push({ ms, wake: resolve });
      signal.addEventListener('abort', () => reject(new Error('the sleep was aborted')), { once: true });
    });

  /** Ends every sleep, the clock moved past the longest. */
  wakeAll(): void {
    this.now += Math.max(0, ...this.sleeps.map((sleep) => sleep.ms));
    for (const sleep of this.sleeps.splice(0)) sleep.wake();
  }
}

/** Lets every promise that can settle, settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('RateLimitBudget', () => {
  let time: FakeTime;
  let logged: string[];
  let waits: [string, number][];
  let budget: RateLimitBudget;
  let signal: AbortSignal;

  /** Starts `count` acquirers; `gone` lists, in order, those let go so far. */
  function acquirers(count: number, endpoint = 'timeline') {
    const gone: number[] = [];
    const failed: unknown[] = [];
    const all = Array.from({ length: count }, (_, i) =>
      budget.acquire(endpoint, signal).then(
        () => void gone.push(i),
        (error: unknown) => void failed.push(error),
      ),
    );
    return { gone, failed, all: Promise.all(all) };
  }

  /** One request that tells the endpoint's state. */
  async function answered(remaining: number, resetAt: Date, endpoint = 'timeline'): Promise<void> {
    await budget.acquire(endpoint, signal);
    budget.release(endpoint, { remaining, resetAt });
  }

  beforeEach(() => {
    time = new FakeTime();
    signal = new AbortController().signal;
    logged = [];
    waits = [];
    budget = new RateLimitBudget({
      maxWaitSeconds: 900,
      log: (message) => logged.push(message),
      onWait: (endpoint, seconds) => waits.push([endpoint, seconds]),
      sleep: time.sleep,
      now: () => time.now,
    });
  });

  it('lets one request go while nothing is known, then as many as its answer says remain', async () => {
    const { gone } = acquirers(6);
    await settled();
    expect(gone).toEqual([0]);
    budget.release('timeline', { remaining: 3, resetAt: at(900_000) });
    await settled();
    expect(gone).toEqual([0, 1, 2, 3]);
  });

  it('lets at most the remaining requests go before an answer arrives, then all wait for the same reset', async () => {
    const resetAt = at(60_000);
    await answered(3, resetAt);
    const { gone, all } = acquirers(10);
    await settled();
    expect(gone).toEqual([0, 1, 2]);

    // Each answer counts the requests still in flight as spent too.
    budget.release('timeline', { remaining: 2, resetAt });
    await settled();
    budget.release('timeline', { remaining: 1, resetAt });
    await settled();
    expect(gone).toEqual([0, 1, 2]);
    expect(time.sleeps).toEqual([]);

    budget.release('timeline', { remaining: 0, resetAt });
    await settled();
    expect(gone).toEqual([0, 1, 2]);
    // One second past the reset, for each of the seven; logged once.
    expect(time.sleeps.map((sleep) => sleep.ms)).toEqual(Array(7).fill(61_000));
    expect(logged).toEqual([
      'rate limit of timeline spent: every request to it waits 61 s, until 2026-12-15T12:01:01.000Z',
    ]);

    // After the reset nothing is known: one probe, then what its answer allows.
    time.wakeAll();
    await settled();
    expect(gone).toEqual([0, 1, 2, 3]);
    budget.release('timeline', { remaining: 179, resetAt: at(961_000) });
    await all;
    expect(gone).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(logged).toHaveLength(1);
  });

  it('stops every waiter at once when the reset is later than maxWaitSeconds', async () => {
    budget = new RateLimitBudget({ maxWaitSeconds: 60, sleep: time.sleep, now: () => time.now });
    const resetAt = at(15 * 60_000);
    await answered(0, resetAt);
    const { failed, gone, all } = acquirers(3);
    await all;
    expect(gone).toEqual([]);
    expect(failed).toHaveLength(3);
    for (const error of failed) {
      expect(error).toBeInstanceOf(RateLimitWaitTooLong);
      expect((error as RateLimitWaitTooLong).resetAt).toEqual(resetAt);
      expect((error as Error).message).toBe(
        'rate limited on timeline until 2026-12-15T12:15:00.000Z, beyond SYNC_MAX_RATE_LIMIT_WAIT_SECONDS (60)',
      );
    }
    expect(time.sleeps).toEqual([]);
  });

  it('waits for a reset as long as maxWaitSeconds allows', async () => {
    budget = new RateLimitBudget({ maxWaitSeconds: 61, sleep: time.sleep, now: () => time.now });
    await answered(0, at(60_000));
    const { gone } = acquirers(1);
    await settled();
    expect(time.sleeps.map((sleep) => sleep.ms)).toEqual([61_000]);
    time.wakeAll();
    await settled();
    expect(gone).toEqual([0]);
  });

  it("holds maxWaitSeconds against X's reset time, not the safety second the wait adds after it", async () => {
    budget = new RateLimitBudget({ maxWaitSeconds: 0, sleep: time.sleep, now: () => time.now });
    await answered(0, at(0));
    const { gone, failed } = acquirers(1);
    await settled();
    expect(failed).toEqual([]);
    expect(time.sleeps.map((sleep) => sleep.ms)).toEqual([1000]);
    time.wakeAll();
    await settled();
    expect(gone).toEqual([0]);
  });

  it('still waits 500 ms for a reset already in the past', async () => {
    await answered(0, at(-10_000));
    const { gone } = acquirers(2);
    await settled();
    expect(gone).toEqual([]);
    expect(time.sleeps.map((sleep) => sleep.ms)).toEqual([500, 500]);
    expect(logged).toEqual([
      'rate limit of timeline spent: every request to it waits 1 s, until 2026-12-15T12:00:00.500Z',
    ]);
    time.wakeAll();
    await settled();
    expect(gone).toEqual([0]);
  });

  it('waiters arriving later wait for the same instant', async () => {
    await answered(0, at(30_000));
    acquirers(1);
    await settled();
    time.now += 10_000;
    acquirers(1);
    await settled();
    expect(time.sleeps.map((sleep) => sleep.ms)).toEqual([31_000, 21_000]);
    expect(logged).toHaveLength(1);
  });

  it('logs each reset once per endpoint', async () => {
    await answered(0, at(10_000));
    await answered(0, at(20_000), 'users');
    const first = acquirers(2);
    const users = acquirers(2, 'users');
    await settled();
    time.wakeAll();
    await settled();
    budget.release('timeline', { remaining: 0, resetAt: at(30_000) });
    await settled();
    time.wakeAll();
    await settled();
    expect(first.gone).toEqual([0, 1]);
    expect(users.gone).toEqual([0]);
    expect(logged).toEqual([
      'rate limit of timeline spent: every request to it waits 11 s, until 2026-12-15T12:00:11.000Z',
      'rate limit of users spent: every request to it waits 21 s, until 2026-12-15T12:00:21.000Z',
      'rate limit of timeline spent: every request to it waits 10 s, until 2026-12-15T12:00:31.000Z',
    ]);
    // Once per wait, however many requests share it: what GET /metrics counts.
    expect(waits).toEqual([
      ['timeline', 11],
      ['users', 21],
      ['timeline', 10],
    ]);
  });

  it('keeps each endpoint to its own budget', async () => {
    await answered(0, at(60_000), 'timeline');
    const timeline = acquirers(1, 'timeline');
    const users = acquirers(3, 'users');
    await settled();
    expect(timeline.gone).toEqual([]);
    expect(users.gone).toEqual([0]);
  });

  it('after a 429 answered anyway, nothing remains until its reset', async () => {
    const resetAt = at(30_000);
    await answered(50, resetAt);
    await budget.acquire('timeline', signal);
    await budget.acquire('timeline', signal);
    // Another client of the app spent the window: the second request is refused.
    budget.exhausted('timeline', resetAt);
    budget.release('timeline', null);
    const { gone } = acquirers(2);
    await settled();
    // The first request's answer, counted before the 429, does not bring requests back.
    budget.release('timeline', { remaining: 48, resetAt });
    await settled();
    expect(gone).toEqual([]);
    expect(time.sleeps.map((sleep) => sleep.ms)).toEqual([31_000, 31_000]);
  });

  it('keeps what was known when an answer has no rate-limit headers', async () => {
    await answered(2, at(60_000));
    await budget.acquire('timeline', signal);
    budget.release('timeline', null);
    const { gone } = acquirers(3);
    await settled();
    expect(gone).toEqual([0, 1]);
  });

  it('keeps probing one request at a time while answers tell nothing', async () => {
    const { gone } = acquirers(3);
    await settled();
    budget.release('timeline', null);
    await settled();
    expect(gone).toEqual([0, 1]);
  });

  it('believes the lowest remaining count of a window, whatever order its answers arrive in', async () => {
    const resetAt = at(60_000);
    await answered(5, resetAt);
    const first = acquirers(3);
    await settled();
    expect(first.gone).toEqual([0, 1, 2]);
    budget.release('timeline', { remaining: 2, resetAt });
    budget.release('timeline', { remaining: 4, resetAt }); // sent first, answered last
    const next = acquirers(3);
    await settled();
    // 2 remain, 1 in flight.
    expect(next.gone).toEqual([0]);
  });

  it('takes the answer of a new window over one of the window before', async () => {
    await answered(1, at(60_000));
    await budget.acquire('timeline', signal);
    budget.release('timeline', { remaining: 180, resetAt: at(960_000) });
    budget.release('timeline', { remaining: 0, resetAt: at(60_000) }); // a late answer from before the reset
    const { gone } = acquirers(3);
    await settled();
    expect(gone).toEqual([0, 1, 2]);
  });

  describe('when the signal aborts', () => {
    it('refuses at once when it already has', async () => {
      const controller = new AbortController();
      controller.abort('interrupted by shutdown');
      await expect(budget.acquire('timeline', controller.signal)).rejects.toBe('interrupted by shutdown');
    });

    it('rejects a wait for an answer with its reason', async () => {
      const controller = new AbortController();
      await budget.acquire('timeline', signal);
      const waiting = budget.acquire('timeline', controller.signal);
      controller.abort('the sync lock was lost');
      await expect(waiting).rejects.toBe('the sync lock was lost');
      // The aborted waiter takes no place: the answer lets the next one go.
      const { gone } = acquirers(1);
      budget.release('timeline', { remaining: 1, resetAt: at(60_000) });
      await settled();
      expect(gone).toEqual([0]);
    });

    it('rejects every waiter, listening to the signal only once however many wait', async () => {
      const controller = new AbortController();
      signal = controller.signal;
      await budget.acquire('timeline', signal);
      await answered(0, at(60_000), 'users');
      const timeline = acquirers(20, 'timeline');
      const users = acquirers(20, 'users');
      await settled();
      expect(time.sleeps).toHaveLength(20);
      expect(getEventListeners(signal, 'abort')).toHaveLength(1);
      controller.abort('interrupted by shutdown');
      await Promise.all([timeline.all, users.all]);
      expect([...timeline.failed, ...users.failed]).toEqual(Array(40).fill('interrupted by shutdown'));
    });

    it('rejects a wait for the reset with its reason, with the default sleep too', async () => {
      budget = new RateLimitBudget({ maxWaitSeconds: 900 });
      await budget.acquire('timeline', signal);
      budget.release('timeline', { remaining: 0, resetAt: new Date(Date.now() + 600_000) });
      const controller = new AbortController();
      const waiting = budget.acquire('timeline', controller.signal);
      controller.abort('interrupted by shutdown');
      await expect(waiting).rejects.toBe('interrupted by shutdown');
    });
  });
});
