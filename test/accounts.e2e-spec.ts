import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FakeXApi, startFakeXApi } from '../src/fake-x-api/fake-x-api.server';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { RunningApp, startApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, DatabaseKind } from './support/databases';
import { tweetRow } from './support/fixtures';
import { BEARER, listedTweets, startSyncFixture, SyncFixture, syncNow, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(60_000);

type Json = Record<string, any>;

const AUTH = { authorization: `Bearer ${SYNC_TOKEN}` };
const EXCLUDE_MESSAGE = 'exclude must be a list of distinct values among: replies, retweets';
// Ids of tweets inserted by the tests, per author, far above the fake's (snowflakes of today).
const tweetId = (authorId: string, n: number) =>
  String(5_000_000_000_000_000_000n + BigInt(authorId) * 10n + BigInt(n));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilFinished(url: string, runId: string): Promise<Json> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const run = (await request(url).get(`/sync/runs/${runId}`).expect(200)).body as Json;
    if (run.status !== 'running') return run;
  }
  throw new Error(`run ${runId} did not finish`);
}

/** Every account GET /accounts lists, walking the pages `limit` at a time, with the query given. */
async function listAll(url: string, query: Json = {}, limit = 100): Promise<Json[]> {
  const accounts: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: request.Response = await request(url)
      .get('/accounts')
      .query({ ...query, limit, ...(cursor ? { cursor } : {}) })
      .expect(200);
    expect(page.body.data.length).toBeLessThanOrEqual(limit);
    accounts.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return accounts;
}

describe.each(DATABASE_KINDS)('the accounts API on %s', (kind) => {
  let fx: SyncFixture;
  let names = 0;
  const url = () => fx.service.url;
  const sql = <T = Json>(query: string, params: unknown[] = []): Promise<T[]> =>
    fx.service.app.get(DataSource).query(query, params);
  /** A screen name no test used yet (at most 15 characters). */
  const uniqueName = (stem: string) => `${kind.slice(0, 2)}${++names}_${stem}`.slice(0, 15);
  /** A new account on the fake X, with `count` generated tweets. */
  const xAccount = (stem: string, extra: Json = {}, count = 0) => {
    const user = fx.fake.store.addUser({ username: uniqueName(stem), ...extra });
    if (count > 0) generateTimeline(fx.fake.store, user.id, { seed: names, count });
    return user;
  };
  const post = (body: Json) => request(url()).post('/accounts').set(AUTH).send(body);
  const lookups = () => fx.fake.requests().filter((r) => r.endpoint === 'userByUsername');

  beforeAll(async () => {
    fx = await startSyncFixture(kind);
  });

  afterAll(() => fx?.close());

  beforeEach(() => {
    fx.fake.clearFaults();
    fx.fake.clearRequests();
  });

  describe('POST /accounts', () => {
    it('stores an account X knows with its casing and user id, and upserts its user row', async () => {
      const user = xAccount('Found');
      const answer = await post({ screenName: user.username.toLowerCase() }).expect(201);
      expect(answer.headers.location).toBe(`/accounts/${user.username}`);
      expect(answer.body).toEqual({
        screenName: user.username,
        userId: user.id,
        enabled: true,
        exclude: [],
        status: 'active',
        lastRunAt: null,
        lastSucceededAt: null,
        lastError: null,
        storedTweets: 0,
        newestTweetId: null,
        backfill: { complete: false, stored: 0 },
        previousScreenNames: [],
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      const stored = await request(url()).get(`/users/${user.username}`).expect(200);
      expect(stored.body).toMatchObject({ id: user.id, screenName: user.username, name: user.name });
      expect(lookups()).toHaveLength(1);
    });

    it('takes enabled and exclude, in the canonical order', async () => {
      const user = xAccount('Options');
      const answer = await post({ screenName: user.username, enabled: false, exclude: ['retweets', 'replies'] });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ enabled: false, exclude: ['replies', 'retweets'], status: 'active' });
    });

    it('stores a protected account with status protected', async () => {
      const user = xAccount('Locked', { protected: true });
      const answer = await post({ screenName: user.username }).expect(201);
      expect(answer.body).toMatchObject({ screenName: user.username, userId: user.id, status: 'protected' });
    });

    it('refuses with 422 an account X does not know, or one that is suspended, and stores nothing', async () => {
      const unknown = uniqueName('nobody');
      const refused = await post({ screenName: unknown }).expect(422);
      expect(refused.body).toEqual({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: [`screenName: no X account is named ${unknown}`],
      });
      await request(url()).get(`/accounts/${unknown}`).expect(404);

      const banned = xAccount('Banned', { suspended: true });
      const suspended = await post({ screenName: banned.username }).expect(422);
      expect(suspended.body.message).toEqual([`screenName: the X account ${banned.username} is suspended`]);
      await request(url()).get(`/accounts/${banned.username}`).expect(404);
      expect(await sql(`SELECT 1 FROM twitter_users WHERE id = $1`, [banned.id])).toEqual([]);
    });

    it.each([
      ['answers 503', { kind: 'status', status: 503 }],
      ['is rate-limited', { kind: 'status', status: 429 }],
      ['drops the connection', { kind: 'dropConnection' }],
      ['is usage-capped', { kind: 'usageCapped' }],
    ])('stores the account unresolved when X %s, and resolves it with the next sync', async (_, fault) => {
      const user = xAccount('Unreached', {}, 12);
      fx.fake.injectFault(fault as never, { endpoint: 'userByUsername', times: 10 });
      const answer = await post({ screenName: user.username.toUpperCase() }).expect(201);
      expect(answer.headers.location).toBe(`/accounts/${user.username.toUpperCase()}`);
      expect(answer.body).toMatchObject({
        screenName: user.username.toUpperCase(),
        userId: null,
        status: 'unresolved',
        storedTweets: 0,
      });
      expect(await sql(`SELECT 1 FROM twitter_users WHERE id = $1`, [user.id])).toEqual([]);

      fx.fake.clearFaults();
      expect((await syncNow(fx, { screenNames: [user.username] })).status).toBe('succeeded');
      const resolved = (await request(url()).get(`/accounts/${user.username}`).expect(200)).body;
      expect(resolved).toMatchObject({ screenName: user.username, userId: user.id, status: 'active' });
      expect(resolved.storedTweets).toBe((await listedTweets(fx, user.username)).length);
    });

    it('answers 409 for an account of the list, whatever the casing, without asking X', async () => {
      const user = xAccount('Twice');
      await post({ screenName: user.username }).expect(201);
      fx.fake.clearRequests();
      for (const screenName of [user.username, user.username.toLowerCase(), user.username.toUpperCase()]) {
        const answer = await post({ screenName }).expect(409);
        expect(answer.body).toEqual({
          statusCode: 409,
          error: 'Conflict',
          message: `the account ${user.username} is already in the list`,
        });
      }
      expect(lookups()).toEqual([]);
      const stored = await sql(`SELECT screen_name FROM sync_accounts WHERE lower(screen_name) = lower($1)`, [
        user.username,
      ]);
      expect(stored).toEqual([{ screen_name: user.username }]);
    });

    it('answers 409 for a new name of an account of the list (same user id)', async () => {
      const user = xAccount('OldName');
      const oldName = user.username;
      await post({ screenName: oldName }).expect(201);
      fx.fake.store.renameUser(user.id, uniqueName('NewName'));
      const answer = await post({ screenName: user.username }).expect(409);
      expect(answer.body.message).toBe(
        `${user.username} is the X account already in the list as ${oldName} (user id ${user.id})`,
      );
      await request(url()).get(`/accounts/${user.username}`).expect(404);
    });

    it('answers 409 for a previous name of an account of the list while X cannot tell who holds it', async () => {
      const user = xAccount('Moved');
      await post({ screenName: user.username }).expect(201);
      const former = uniqueName('Former');
      await sql(`UPDATE sync_accounts SET previous_screen_names = ARRAY[$2] WHERE user_id = $1`, [user.id, former]);

      fx.fake.injectFault({ kind: 'status', status: 503 }, { endpoint: 'userByUsername', times: 10 });
      const answer = await post({ screenName: former.toLowerCase() }).expect(409);
      expect(answer.body.message).toBe(
        `${former.toLowerCase()} is a previous screen name of ${user.username}, already in the list; ` +
          'X could not be asked whether another account holds it now',
      );

      // Once X answers, another account that took the name is another account.
      fx.fake.clearFaults();
      const taker = fx.fake.store.addUser({ username: former });
      const added = await post({ screenName: former }).expect(201);
      expect(added.body).toMatchObject({ screenName: former, userId: taker.id, status: 'active' });
      expect((await request(url()).get(`/accounts/${former}`).expect(200)).body.userId).toBe(taker.id);
    });

    it('stores one of two simultaneous POSTs of a name and answers the other 409', async () => {
      const user = xAccount('Racing');
      // Both lookups are under way at once: the unique indexes decide.
      fx.fake.injectFault({ kind: 'delay', ms: 300 }, { endpoint: 'userByUsername', times: 2 });
      const answers = await Promise.all([
        post({ screenName: user.username }),
        post({ screenName: user.username.toLowerCase() }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
      expect(answers.find((answer) => answer.status === 409)!.body.message).toBe(
        `the account ${user.username} is already in the list`,
      );
      const stored = await sql(`SELECT screen_name FROM sync_accounts WHERE lower(screen_name) = lower($1)`, [
        user.username,
      ]);
      expect(stored).toEqual([{ screen_name: user.username }]);
    });

    it.each([
      [{}, 'screenName must be 1 to 15 letters, digits or underscores'],
      [{ screenName: 'not a name' }, 'screenName must be 1 to 15 letters, digits or underscores'],
      [{ screenName: 'a_name_far_too_long' }, 'screenName must be 1 to 15 letters, digits or underscores'],
      [{ screenName: 42 }, 'screenName must be 1 to 15 letters, digits or underscores'],
      [{ screenName: 'valid', extra: 1 }, 'property extra should not exist'],
      [{ screenName: 'valid', enabled: 'yes' }, 'enabled must be true or false'],
      [{ screenName: 'valid', syncNow: 1 }, 'syncNow must be true or false'],
      [{ screenName: 'valid', exclude: 'replies' }, EXCLUDE_MESSAGE],
      [{ screenName: 'valid', exclude: ['likes'] }, EXCLUDE_MESSAGE],
      [{ screenName: 'valid', exclude: ['replies', 'replies'] }, EXCLUDE_MESSAGE],
    ])('answers 400 naming the field for %j', async (body, message) => {
      const answer = await post(body).expect(400);
      expect(answer.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });
      expect(lookups()).toEqual([]);
      await request(url()).get('/accounts/valid').expect(404);
    });

    it('needs the SYNC_API_TOKEN bearer for every write, and none for reads', async () => {
      const user = xAccount('Guarded');
      await request(url()).post('/accounts').send({ screenName: user.username }).expect(401);
      await request(url())
        .post('/accounts')
        .set({ authorization: 'Bearer wrong' })
        .send({ screenName: user.username })
        .expect(401);
      await request(url()).get(`/accounts/${user.username}`).expect(404);
      await post({ screenName: user.username }).expect(201);
      await request(url()).patch(`/accounts/${user.username}`).send({ enabled: false }).expect(401);
      await request(url()).delete(`/accounts/${user.username}`).expect(401);
      await request(url()).delete(`/accounts/${user.username}?purge=true`).expect(401);
      expect((await request(url()).get(`/accounts/${user.username}`).expect(200)).body.enabled).toBe(true);
      await request(url()).get('/accounts').expect(200);
    });
  });

  describe('GET /accounts', () => {
    it('lists every account once, oldest added first, through pages of any size', async () => {
      for (let i = 0; i < 5; i++) await post({ screenName: xAccount(`Listed${i}`).username }).expect(201);
      const all = await listAll(url());
      expect(all.length).toBeGreaterThanOrEqual(5);
      const created = all.map((account) => account.createdAt);
      expect(created).toEqual([...created].sort());
      for (const limit of [1, 2, 3]) {
        expect((await listAll(url(), {}, limit)).map((account) => account.screenName)).toEqual(
          all.map((account) => account.screenName),
        );
      }
      const first = await request(url()).get('/accounts?limit=2').expect(200);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const last = await request(url()).get('/accounts').query({ limit: 100 }).expect(200);
      expect(last.body.nextCursor).toBeNull();
    });

    it('filters by enabled and by status', async () => {
      const paused = xAccount('Paused');
      await post({ screenName: paused.username, enabled: false }).expect(201);
      const locked = xAccount('Private', { protected: true });
      await post({ screenName: locked.username }).expect(201);
      const all = await listAll(url());

      const disabled = await listAll(url(), { enabled: 'false' }, 1);
      expect(disabled.map((a) => a.screenName)).toEqual(all.filter((a) => !a.enabled).map((a) => a.screenName));
      expect(disabled.map((a) => a.screenName)).toContain(paused.username);
      const enabled = await listAll(url(), { enabled: 'true' });
      expect(enabled.map((a) => a.screenName)).toEqual(all.filter((a) => a.enabled).map((a) => a.screenName));

      const protectedOnes = await listAll(url(), { status: 'protected' }, 1);
      expect(protectedOnes.map((a) => a.screenName)).toContain(locked.username);
      expect(protectedOnes.every((a) => a.status === 'protected')).toBe(true);
      const both = await listAll(url(), { status: 'active', enabled: 'false' });
      expect(both.map((a) => a.screenName)).toContain(paused.username);
      expect(both.every((a) => a.status === 'active' && !a.enabled)).toBe(true);
    });

    it.each([
      ['enabled=yes', 'enabled must be true or false'],
      ['status=gone', 'status must be one of: unresolved, active, protected, suspended, deleted'],
      ['limit=0', 'limit must be a whole number from 1 to 100'],
      ['cursor=nonsense', 'cursor is malformed: pass the nextCursor of a previous page unchanged'],
      ['order=desc', 'property order should not exist'],
    ])('answers 400 naming the parameter for ?%s', async (query, message) => {
      const answer = await request(url()).get(`/accounts?${query}`).expect(400);
      expect(answer.body.message).toEqual([message]);
    });
  });

  describe('GET /accounts/:screenName', () => {
    it('finds an account by any casing of its name, or by a previous name; 404 otherwise', async () => {
      const user = xAccount('Cased');
      await post({ screenName: user.username }).expect(201);
      for (const name of [user.username.toLowerCase(), user.username.toUpperCase()]) {
        expect((await request(url()).get(`/accounts/${name}`).expect(200)).body.screenName).toBe(user.username);
      }
      const former = uniqueName('WasCased');
      await sql(`UPDATE sync_accounts SET previous_screen_names = ARRAY[$2] WHERE user_id = $1`, [user.id, former]);
      const byFormer = await request(url()).get(`/accounts/${former.toUpperCase()}`).expect(200);
      expect(byFormer.body).toMatchObject({ screenName: user.username, previousScreenNames: [former] });

      const missing = uniqueName('missing');
      expect((await request(url()).get(`/accounts/${missing}`).expect(404)).body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `no account named ${missing} is in the list`,
      });
      const bad = await request(url()).get('/accounts/no-such-name!').expect(400);
      expect(bad.body.message).toEqual(['screenName must be 1 to 15 letters, digits or underscores']);
    });

    it('counts the stored timeline tweets as GET /tweets lists them, and names the newest', async () => {
      const user = xAccount('Counted');
      await post({ screenName: user.username }).expect(201);
      const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 12, minute));
      const id = (n: number) => tweetId(user.id, n);
      await fx.service.repository.upsertTweets(
        [
          tweetRow({ id: id(1), authorId: user.id, createdAt: at(1) }),
          tweetRow({ id: id(2), authorId: user.id, createdAt: at(3) }),
          // An older version of an edited tweet, and a copy stored only as another tweet's reference.
          tweetRow({ id: id(3), authorId: user.id, createdAt: at(2) }),
          tweetRow({ id: id(4), authorId: user.id, createdAt: at(4), referencedOnly: true }),
        ],
        'update',
      );
      await fx.service.repository.markSuperseded([{ id: id(3), newestId: id(2) }]);
      const listed = await listedTweets(fx, user.username);
      expect(listed.map((tweet) => tweet.id)).toEqual([id(2), id(1)]);
      const account = (await request(url()).get(`/accounts/${user.username}`).expect(200)).body;
      expect(account).toMatchObject({ storedTweets: 2, newestTweetId: id(2) });
      const inList = (await listAll(url())).find((a) => a.screenName === user.username);
      expect(inList).toEqual(account);
    });
  });

  describe('PATCH /accounts/:screenName', () => {
    it('pauses, resumes and changes exclude, never touching the cursor', async () => {
      const user = xAccount('Patched');
      await post({ screenName: user.username }).expect(201);
      const cursor = `since_id, pending_ranges, backfilled`;
      await sql(
        `UPDATE sync_accounts SET since_id = 1850000000000000001,
                pending_ranges = '[{"oldest":"1850000000000000005","newest":"1850000000000000009"}]', backfilled = 7
          WHERE user_id = $1`,
        [user.id],
      );
      const before = await sql(`SELECT ${cursor} FROM sync_accounts WHERE user_id = $1`, [user.id]);
      const patch = (body: Json) =>
        request(url()).patch(`/accounts/${user.username.toLowerCase()}`).set(AUTH).send(body);

      const paused = await patch({ enabled: false }).expect(200);
      expect(paused.body).toMatchObject({
        screenName: user.username,
        enabled: false,
        exclude: [],
        backfill: { complete: false, stored: 7 },
      });
      expect((await patch({ exclude: ['retweets', 'replies'] }).expect(200)).body).toMatchObject({
        enabled: false,
        exclude: ['replies', 'retweets'],
      });
      expect((await patch({ enabled: true, exclude: ['replies'] }).expect(200)).body).toMatchObject({
        enabled: true,
        exclude: ['replies'],
      });
      expect((await patch({ exclude: [] }).expect(200)).body.exclude).toEqual([]);
      expect(await sql(`SELECT ${cursor} FROM sync_accounts WHERE user_id = $1`, [user.id])).toEqual(before);
    });

    it('answers 404 for an account not in the list, and 400 for an empty or invalid change', async () => {
      const user = xAccount('BadPatch');
      await post({ screenName: user.username }).expect(201);
      const patch = (name: string, body: Json) => request(url()).patch(`/accounts/${name}`).set(AUTH).send(body);
      const missing = uniqueName('nopatch');
      expect((await patch(missing, { enabled: false }).expect(404)).body.message).toBe(
        `no account named ${missing} is in the list`,
      );
      expect((await patch(user.username, {}).expect(400)).body.message).toEqual([
        'body: nothing to change; give enabled or exclude',
      ]);
      expect((await patch(user.username, { exclude: ['quotes'] }).expect(400)).body.message).toEqual([EXCLUDE_MESSAGE]);
      expect((await patch(user.username, { enabled: 'no' }).expect(400)).body.message).toEqual([
        'enabled must be true or false',
      ]);
      expect((await patch(user.username, { screenName: 'other' }).expect(400)).body.message).toEqual([
        'property screenName should not exist',
      ]);
      expect((await patch('bad-name!', { enabled: false }).expect(400)).body.message).toEqual([
        'screenName must be 1 to 15 letters, digits or underscores',
      ]);
      expect((await request(url()).get(`/accounts/${user.username}`).expect(200)).body).toMatchObject({
        enabled: true,
        exclude: [],
      });
    });
  });

  describe('DELETE /accounts/:screenName', () => {
    /** An account of the list whose user and tweets are stored: 3 listed, 1 edit version, 1 reference copy. */
    async function storedAccount(stem: string) {
      const user = xAccount(stem);
      await post({ screenName: user.username }).expect(201);
      const ids = [1, 2, 3, 4, 5].map((n) => tweetId(user.id, n));
      const createdAt = new Date('2024-02-01T00:00:00Z');
      await fx.service.repository.upsertTweets(
        [
          ...ids.slice(0, 4).map((id) => tweetRow({ id, authorId: user.id, createdAt })),
          tweetRow({ id: ids[4], authorId: user.id, createdAt, referencedOnly: true }),
        ],
        'update',
      );
      await fx.service.repository.markSuperseded([{ id: ids[3], newestId: ids[2] }]);
      return { user, ids };
    }

    it('takes the account off the list (204) and keeps its tweets and user', async () => {
      const { user, ids } = await storedAccount('Dropped');
      const answer = await request(url()).delete(`/accounts/${user.username.toUpperCase()}`).set(AUTH).expect(204);
      expect(answer.text).toBe('');
      await request(url()).get(`/accounts/${user.username}`).expect(404);
      expect((await listedTweets(fx, user.username)).map((tweet) => tweet.id)).toHaveLength(3);
      expect(await sql(`SELECT count(*)::int AS n FROM tweets WHERE author_id = $1`, [user.id])).toEqual([
        { n: ids.length },
      ]);
      await request(url()).get(`/users/${user.username}`).expect(200);
      await request(url()).delete(`/accounts/${user.username}`).set(AUTH).expect(404);
    });

    it('with purge=true also deletes every stored tweet of the account and its user row, and counts them', async () => {
      const { user } = await storedAccount('Purged');
      const other = await storedAccount('Bystander');
      const answer = await request(url()).delete(`/accounts/${user.username}?purge=true`).set(AUTH).expect(200);
      expect(answer.body).toEqual({ screenName: user.username, deleted: { accounts: 1, tweets: 5, users: 1 } });
      await request(url()).get(`/accounts/${user.username}`).expect(404);
      await request(url()).get(`/users/${user.username}`).expect(404);
      expect(await sql(`SELECT id FROM tweets WHERE author_id = $1`, [user.id])).toEqual([]);
      expect(await sql(`SELECT count(*)::int AS n FROM tweets WHERE author_id = $1`, [other.user.id])).toEqual([
        { n: 5 },
      ]);
      await request(url()).get(`/accounts/${other.user.username}`).expect(200);
    });

    it('purges an unresolved account as just its row, and keeps the account with purge=false', async () => {
      fx.fake.injectFault({ kind: 'status', status: 503 }, { endpoint: 'userByUsername', times: 10 });
      const name = uniqueName('Unresolved');
      await post({ screenName: name }).expect(201);
      await request(url()).delete(`/accounts/${name}?purge=false`).set(AUTH).expect(204);
      await post({ screenName: name }).expect(201);
      const answer = await request(url()).delete(`/accounts/${name}?purge=true`).set(AUTH).expect(200);
      expect(answer.body).toEqual({ screenName: name, deleted: { accounts: 1, tweets: 0, users: 0 } });
    });

    it('answers 400 for a purge other than true or false, and 404 for an account not in the list', async () => {
      const { user } = await storedAccount('KeptSafe');
      const bad = await request(url()).delete(`/accounts/${user.username}?purge=yes`).set(AUTH).expect(400);
      expect(bad.body.message).toEqual(['purge must be true or false']);
      await request(url()).delete(`/accounts/${user.username}?force=true`).set(AUTH).expect(400);
      const missing = uniqueName('gone');
      expect((await request(url()).delete(`/accounts/${missing}?purge=true`).set(AUTH).expect(404)).body.message).toBe(
        `no account named ${missing} is in the list`,
      );
      await request(url()).get(`/accounts/${user.username}`).expect(200);
      expect(await sql(`SELECT count(*)::int AS n FROM tweets WHERE author_id = $1`, [user.id])).toEqual([{ n: 5 }]);
    });
  });

  describe('with the sync', () => {
    it('syncNow starts a sync of just that account (202, as POST /sync), after which it shows what is stored', async () => {
      const user = xAccount('SyncedNow', {}, 30);
      const answer = await post({ screenName: user.username, syncNow: true }).expect(202);
      expect(answer.body).toEqual({
        runId: expect.any(String),
        status: 'running',
        account: expect.objectContaining({ screenName: user.username, userId: user.id, status: 'active' }),
      });
      expect(answer.headers.location).toBe(`/sync/runs/${answer.body.runId}`);
      const run = await waitUntilFinished(url(), answer.body.runId);
      expect(run.status).toBe('succeeded');
      expect(run.accounts.map((account: Json) => account.screenName)).toEqual([user.username]);

      const listed = await listedTweets(fx, user.username);
      expect(listed.length).toBeGreaterThan(0);
      const account = (await request(url()).get(`/accounts/${user.username}`).expect(200)).body;
      expect(account).toMatchObject({
        storedTweets: listed.length,
        newestTweetId: listed[0].id,
        backfill: { complete: true, stored: expect.any(Number) },
        lastRunAt: expect.any(String),
        lastSucceededAt: expect.any(String),
        lastError: null,
      });
    });

    it('syncNow while a sync runs answers 409 naming that run, and the account stays stored', async () => {
      const busy = xAccount('BusyOne', {}, 150);
      fx.fake.injectFault({ kind: 'delay', ms: 400 }, { endpoint: 'userTimeline', times: 1000 });
      const started = await request(url())
        .post('/sync')
        .set(AUTH)
        .send({ screenNames: [busy.username] })
        .expect(202);
      const user = xAccount('Waiting');
      const answer = await post({ screenName: user.username, syncNow: true }).expect(409);
      expect(answer.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: `a sync is already running; the account ${user.username} is stored, and a later run syncs it`,
        runId: started.body.runId,
      });
      expect((await request(url()).get(`/accounts/${user.username}`).expect(200)).body.userId).toBe(user.id);
      fx.fake.clearFaults();
      await waitUntilFinished(url(), started.body.runId);
    });
  });
});

// Each its own service: PGlite is one database per process, so two services cannot run side by side.
describe.each(DATABASE_KINDS)('POST /accounts with other X settings on %s', (kind) => {
  const post = (service: RunningApp, body: Json) => request(service.url).post('/accounts').set(AUTH).send(body);

  async function withFixture(variables: Record<string, string>, work: (fx: SyncFixture) => Promise<void>) {
    const fx = await startSyncFixture(kind, variables);
    try {
      await work(fx);
    } finally {
      await fx.close();
    }
  }

  it('stores the account unresolved without asking X when no credentials are configured', () =>
    withFixture({ TWITTER_BEARER_TOKEN: '' }, async (fx) => {
      const user = fx.fake.store.addUser({ username: 'NoCreds' });
      const answer = await post(fx.service, { screenName: user.username }).expect(201);
      expect(answer.body).toMatchObject({ screenName: 'NoCreds', userId: null, status: 'unresolved' });
      expect(fx.fake.requests()).toEqual([]);
    }));

  it('resolves through users/show.json with TWITTER_API_VERSION=1.1', () =>
    withFixture({ TWITTER_API_VERSION: '1.1' }, async (fx) => {
      const send = (body: Json) => post(fx.service, body);
      const user = fx.fake.store.addUser({ username: 'V1Found' });
      expect((await send({ screenName: 'v1found' }).expect(201)).body).toMatchObject({
        screenName: 'V1Found',
        userId: user.id,
        status: 'active',
      });
      await request(fx.service.url).get('/users/V1Found').expect(200);
      fx.fake.store.addUser({ username: 'V1Locked', protected: true });
      expect((await send({ screenName: 'V1Locked' }).expect(201)).body.status).toBe('protected');
      expect((await send({ screenName: 'V1Nobody' }).expect(422)).body.message).toEqual([
        'screenName: no X account is named V1Nobody',
      ]);
      fx.fake.store.addUser({ username: 'V1Banned', suspended: true });
      expect((await send({ screenName: 'V1Banned' }).expect(422)).body.message).toEqual([
        'screenName: the X account V1Banned is suspended',
      ]);
      expect(fx.fake.requests().map((r) => r.endpoint)).toEqual(Array(4).fill('usersShow'));
    }));
});

describe.each(DATABASE_KINDS)('TWITTER_SCREEN_NAMES on %s', (kind: DatabaseKind) => {
  let fake: FakeXApi;
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    // The services under test restart on a database of their own: PGlite on disk, to outlive them.
    fake = await startFakeXApi({ bearerToken: BEARER });
    if (kind === 'postgres') {
      const database = await createTestDatabase(kind);
      databaseUrl = database.url;
      dropDatabase = () => database.drop();
    } else {
      dataDir = await mkdtemp(join(tmpdir(), 'accounts-pglite-'));
    }
  });

  afterAll(async () => {
    await fake?.close();
    await dropDatabase();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const start = (screenNames: string): Promise<RunningApp> =>
    startApp({
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DATA_DIR: join(dataDir!, 'db') }),
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      SYNC_API_TOKEN: SYNC_TOKEN,
      TWITTER_SCREEN_NAMES: screenNames,
    });

  async function restartedWith<T>(screenNames: string, work: (service: RunningApp) => Promise<T>): Promise<T> {
    const service = await start(screenNames);
    try {
      return await work(service);
    } finally {
      await service.close();
    }
  }

  const accountsOf = (service: RunningApp) => listAll(service.url);

  it('adds each listed account not stored yet, once, and never deletes one taken out of the variable', async () => {
    const listedNames = ['Seed_One', 'seed_two', 'SEED_ONE', 'Seed_Three'];
    const first = await restartedWith(listedNames.join(','), accountsOf);
    expect(first.map((a) => [a.screenName, a.enabled, a.status, a.userId])).toEqual([
      ['Seed_One', true, 'unresolved', null],
      ['seed_two', true, 'unresolved', null],
      ['Seed_Three', true, 'unresolved', null],
    ]);

    const changed = await restartedWith('Seed_One,Seed_Four', async (service) => {
      // A name the list holds as a previous name is that account: it is not added again.
      await service.app
        .get(DataSource)
        .query(`UPDATE sync_accounts SET previous_screen_names = ARRAY['Seed_Old'] WHERE screen_name = 'seed_two'`);
      await request(service.url).patch('/accounts/Seed_Three').set(AUTH).send({ enabled: false }).expect(200);
      return accountsOf(service);
    });
    expect(changed.map((a) => [a.screenName, a.enabled])).toEqual([
      ['Seed_One', true],
      ['seed_two', true],
      ['Seed_Three', false],
      ['Seed_Four', true],
    ]);

    const last = await restartedWith('seed_old,Seed_Three', accountsOf);
    expect(last.map((a) => [a.screenName, a.enabled])).toEqual(changed.map((a) => [a.screenName, a.enabled]));
  });

  it('adds them the same when two replicas start together (PostgreSQL)', async () => {
    if (kind !== 'postgres') return;
    const [one, two] = await Promise.all([start('Both_A,Both_B'), start('Both_B,Both_A')]);
    try {
      const names = (await accountsOf(one)).map((a) => a.screenName);
      expect(names.filter((name) => name.startsWith('Both_')).sort()).toEqual(['Both_A', 'Both_B']);
      expect((await accountsOf(two)).map((a) => a.screenName)).toEqual(names);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
