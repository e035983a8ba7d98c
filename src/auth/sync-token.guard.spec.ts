import { ExecutionContext, HttpException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { FAILURE_WINDOW_MS, FailedAttempts, MAX_FAILURES } from './failed-attempts';
import { SyncTokenGuard } from './sync-token.guard';

const TOKEN = 'a-token-long-enough-to-pass';

function attempt(guard: SyncTokenGuard, authorization: string | undefined, ip = '192.0.2.1') {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => (headers[name] = value) };
  const context = {
    switchToHttp: () => ({ getRequest: () => ({ ip, headers: { authorization } }), getResponse: () => reply }),
  } as unknown as ExecutionContext;
  try {
    guard.canActivate(context);
    return { status: 200, headers };
  } catch (error) {
    return { status: (error as HttpException).getStatus(), body: (error as HttpException).getResponse(), headers };
  }
}

describe('SyncTokenGuard', () => {
  let failedAttempts: FailedAttempts;
  let guard: SyncTokenGuard;
  const config = (token: string | undefined) => ({ get: () => token }) as unknown as ConfigService<Environment, true>;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    failedAttempts = new FailedAttempts();
    guard = new SyncTokenGuard(config(TOKEN), failedAttempts);
  });
  afterEach(() => jest.useRealTimers());

  it('accepts exactly "Bearer <token>", the scheme in any case', () => {
    expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(200);
    expect(attempt(guard, `bearer ${TOKEN}`).status).toBe(200);
  });

  it.each([
    ['extra words after the token', `Bearer ${TOKEN} extra`],
    ['two spaces', `Bearer  ${TOKEN}`],
    ['no scheme', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['no space', `Bearer${TOKEN}`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the scheme alone', 'Bearer '],
    ['no header', undefined],
  ])('refuses %s with 401', (_, header) => {
    expect(attempt(guard, header).status).toBe(401);
  });

  it(`answers 429 with Retry-After to an address after ${MAX_FAILURES} failures, even with the right token, until the window ends`, () => {
    for (let i = 0; i < MAX_FAILURES; i++) expect(attempt(guard, 'Bearer wrong').status).toBe(401);
    jest.advanceTimersByTime(20_000);
    const throttled = attempt(guard, `Bearer ${TOKEN}`);
    expect(throttled).toMatchObject({ status: 429, headers: { 'Retry-After': '40' } });
    expect(throttled.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('retry in 40 s'),
    });
    expect(attempt(guard, `Bearer ${TOKEN}`, '198.51.100.7').status).toBe(200);
    jest.advanceTimersByTime(FAILURE_WINDOW_MS - 20_000);
    expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(200);
    expect(attempt(guard, 'Bearer wrong').status).toBe(401);
  });

  it('shares one count between the guards of every module', () => {
    const other = new SyncTokenGuard(config(TOKEN), failedAttempts);
    for (let i = 0; i < MAX_FAILURES; i++) attempt(i % 2 ? guard : other, 'Bearer wrong');
    expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(429);
    expect(attempt(other, `Bearer ${TOKEN}`).status).toBe(429);
  });

  it('counts failures only', () => {
    for (let i = 0; i < 50; i++) expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(200);
    for (let i = 0; i < MAX_FAILURES - 1; i++) attempt(guard, 'Bearer wrong');
    expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(200);
    expect(attempt(guard, 'Bearer wrong').status).toBe(401);
    expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(429);
  });

  it('stays bounded under failures from very many addresses', () => {
    for (let i = 0; i < 20_000; i++) attempt(guard, 'Bearer wrong', `2001:db8::${i.toString(16)}`);
    expect(failedAttempts.size).toBeLessThanOrEqual(10_000);
    expect(attempt(guard, `Bearer ${TOKEN}`).status).toBe(200);
  });

  it('answers 403 when no token is configured, counting nothing', () => {
    const open = new SyncTokenGuard(config(undefined), failedAttempts);
    for (let i = 0; i < MAX_FAILURES + 1; i++) expect(attempt(open, 'Bearer anything').status).toBe(403);
  });
});
