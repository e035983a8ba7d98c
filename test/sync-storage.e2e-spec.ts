import { Logger } from '@nestjs/common';
import request from 'supertest';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { DATABASE_KINDS } from './support/databases';
import { listedTweets, startSyncFixture, SyncFixture, syncNow, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(120_000);

const listedIds = async (fx: SyncFixture, screenName: string) =>
  (await listedTweets(fx, screenName)).map((tweet) => tweet.id);

const timelineIds = (fx: SyncFixture, userId: string) => fx.fake.store.timeline(userId).map((tweet) => tweet.id);

/** What the sync does with what the timeline brings: nothing silently left out or blocked. */
describe.each(DATABASE_KINDS)('sync storage on %s', (kind) => {
  let fx: SyncFixture | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    await fx?.close();
    fx = undefined;
  });

  it('lists, in insert-only mode, a tweet first stored as a retweeted original once its own timeline brings it', async () => {
    fx = await startSyncFixture(kind, { SYNC_SAVE_MODE: 'insert-only' });
    const author = fx.fake.store.addUser({ username: 'original_author' });
    const fan = fx.fake.store.addUser({ username: 'retweeting_fan' });
    generateTimeline(fx.fake.store, author.id, { seed: 21, count: 10 });
    const original = fx.fake.store.timeline(author.id)[4];
    fx.fake.store.addTweet({ authorId: fan.id, retweetOfId: original.id });

    await syncNow(fx, { screenNames: ['retweeting_fan'] });
    const stored = await request(fx.service.url).get(`/tweets/${original.id}`).expect(200);
    expect(stored.body.text).toBe(original.text);
    expect(await listedIds(fx, 'original_author')).toEqual([]);

    const run = await syncNow(fx, { screenNames: ['original_author'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 10, skipped: 0 });
    expect(await listedIds(fx, 'original_author')).toEqual(timelineIds(fx, author.id));
  });

  it('lists, in insert-only mode, only the newest version of an edited tweet', async () => {
    fx = await startSyncFixture(kind, { SYNC_SAVE_MODE: 'insert-only' });
    const user = fx.fake.store.addUser({ username: 'frozen_editor' });
    generateTimeline(fx.fake.store, user.id, { seed: 22, count: 20 });
    await syncNow(fx, { screenNames: ['frozen_editor'] });
    const before = fx.fake.store.timeline(user.id)[3];
    const edited = fx.fake.store.editTweet(before.id, 'the corrected text');

    const run = await syncNow(fx, { screenNames: ['frozen_editor'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', inserted: 1 });
    const listed = await listedIds(fx, 'frozen_editor');
    expect(listed).toEqual(timelineIds(fx, user.id));
    expect(listed).toContain(edited.id);
    expect(listed).not.toContain(before.id);
    // The older version stays stored, its content as first stored.
    const older = await request(fx.service.url).get(`/tweets/${before.id}`).expect(200);
    expect(older.body.text).toBe(before.text);
  });

  it.each(['2', '1.1'])('stores NUL and lone surrogates cleaned, in text and raw JSON (API v%s)', async (version) => {
    fx = await startSyncFixture(kind, { TWITTER_API_VERSION: version });
    const user = fx.fake.store.addUser({ username: 'odd_bytes', name: 'Odd\u0000 Bytes \udc00' });
    generateTimeline(fx.fake.store, user.id, { seed: 23, count: 30 });
    // JSON carries them as the escapes \u0000 and \ud800, which PostgreSQL refuses in jsonb.
    const nul = fx.fake.store.postTweet(user.id, 'before\u0000after');
    const surrogate = fx.fake.store.postTweet(user.id, 'half an emoji: \ud83d and on');

    const run = await syncNow(fx, { screenNames: ['odd_bytes'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 32, skipped: 0 });
    expect(await listedIds(fx, 'odd_bytes')).toEqual(timelineIds(fx, user.id));
    const cleaned = { [nul.id]: 'beforeafter', [surrogate.id]: 'half an emoji: \ufffd and on' };
    for (const [id, text] of Object.entries(cleaned)) {
      const stored = (await request(fx.service.url).get(`/tweets/${id}?include=raw`).expect(200)).body;
      expect(stored.text).toBe(text);
      expect(stored.raw[version === '2' ? 'text' : 'full_text']).toBe(text);
      expect(stored.author.name).toBe('Odd Bytes \ufffd');
    }
  });

  it('skips a tweet the database refuses even after cleaning, counts it and stores the rest of its page', async () => {
    fx = await startSyncFixture(kind);
    const user = fx.fake.store.addUser({ username: 'one_bad_apple' });
    generateTimeline(fx.fake.store, user.id, { seed: 24, count: 30 });
    const bad = fx.fake.store.timeline(user.id)[7];
    fx.fake.store.setMetrics(bad.id, { like_count: 1e20 }); // beyond bigint
    const warn = jest.spyOn(Logger.prototype, 'warn');

    const run = await syncNow(fx, { screenNames: ['one_bad_apple'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', pages: 1, fetched: 30, skipped: 1 });
    expect(await listedIds(fx, 'one_bad_apple')).toEqual(timelineIds(fx, user.id).filter((id) => id !== bad.id));
    await request(fx.service.url).get(`/tweets/${bad.id}`).expect(404);
    expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(
      expect.stringMatching(new RegExp(`one_bad_apple: skipped tweet ${bad.id}, refused: .*out of range`)),
    );

    // Not retried for ever: the cursor moved past it, and what follows is stored.
    const posted = fx.fake.store.postTweet(user.id, 'life goes on');
    const next = await syncNow(fx, { screenNames: ['one_bad_apple'] });
    expect(next.accounts[0]).toMatchObject({ status: 'succeeded', newestId: posted.id, inserted: 1 });
  });

  it.each(['2', '1.1'])(
    'follows the account, not the name, when another account takes its screen name (API v%s)',
    async (version) => {
      fx = await startSyncFixture(kind, { TWITTER_API_VERSION: version });
      const first = fx.fake.store.addUser({ username: 'wanted_name' });
      generateTimeline(fx.fake.store, first.id, { seed: 25, count: 40, newestAt: '2024-05-01T00:00:00.000Z' });
      await syncNow(fx, { screenNames: ['wanted_name'] });

      fx.fake.store.renameUser(first.id, 'former_holder');
      const second = fx.fake.store.addUser({ username: 'wanted_name' });
      // Older tweets than the first holder's newest, and one newer: a since_id cursor would miss most.
      generateTimeline(fx.fake.store, second.id, { seed: 26, count: 30, newestAt: '2024-04-01T00:00:00.000Z' });
      fx.fake.store.postTweet(second.id, 'my name now');
      const moved = fx.fake.store.postTweet(first.id, 'same account, new name');
      fx.fake.clearRequests();

      // The account is the first holder's user id: its old name still finds it, and the new holder
      // of the name is never asked for.
      const run = await syncNow(fx, { screenNames: ['wanted_name'] });
      expect(run.accounts[0]).toMatchObject({
        status: 'succeeded',
        screenName: 'former_holder',
        userId: first.id,
        inserted: 1,
        newestId: moved.id,
      });
      const aboutSecond = fx.fake
        .requests()
        .filter(
          (r) =>
            r.path.split('/').includes(second.id) ||
            r.path.endsWith('/wanted_name') ||
            r.query.user_id === second.id ||
            r.query.screen_name === 'wanted_name',
        );
      expect(aboutSecond).toEqual([]);
      expect(await listedIds(fx, 'wanted_name')).toEqual([]);
      expect(await listedIds(fx, 'former_holder')).toEqual(timelineIds(fx, first.id));
      const old = await request(fx.service.url)
        .get(`/tweets/${timelineIds(fx, first.id)[1]}`)
        .expect(200);
      expect(old.body.author).toMatchObject({ id: first.id, screenName: 'former_holder' });

      // The new holder is another account: once added, it is synced from nothing.
      await request(fx.service.url)
        .post('/accounts')
        .set('authorization', `Bearer ${SYNC_TOKEN}`)
        .send({ screenName: 'wanted_name' })
        .expect(201);
      const added = await syncNow(fx, { screenNames: ['wanted_name'] });
      expect(added.accounts[0]).toMatchObject({
        status: 'succeeded',
        screenName: 'wanted_name',
        userId: second.id,
        fetched: 31,
      });
      expect(await listedIds(fx, 'wanted_name')).toEqual(timelineIds(fx, second.id));
      expect(await listedIds(fx, 'former_holder')).toEqual(timelineIds(fx, first.id));
      const again = await syncNow(fx, { screenNames: ['wanted_name'] });
      expect(again.accounts[0]).toMatchObject({ status: 'succeeded', userId: second.id, inserted: 0 });
    },
  );

  it.each(['2', '1.1'])(
    'with SYNC_MAX_BACKFILL=0 stores no history, only what is posted later (API v%s)',
    async (v) => {
      fx = await startSyncFixture(kind, { TWITTER_API_VERSION: v, SYNC_MAX_BACKFILL: '0' });
      const user = fx.fake.store.addUser({ username: 'no_history' });
      generateTimeline(fx.fake.store, user.id, { seed: 27, count: 50 });

      const first = await syncNow(fx, { screenNames: ['no_history'] });
      expect(first.accounts[0]).toMatchObject({
        status: 'succeeded',
        fetched: 0,
        inserted: 0,
        newestId: timelineIds(fx, user.id)[0],
      });
      expect(await listedIds(fx, 'no_history')).toEqual([]);

      const posted = [
        fx.fake.store.postTweet(user.id, 'first after'),
        fx.fake.store.postTweet(user.id, 'second after'),
      ];
      const second = await syncNow(fx, { screenNames: ['no_history'] });
      expect(second.accounts[0]).toMatchObject({ status: 'succeeded', inserted: 2, newestId: posted[1].id });
      expect(await listedIds(fx, 'no_history')).toEqual(posted.map((tweet) => tweet.id).reverse());
      // The refresh of recent tweets re-reads what is stored, and no further back.
      const third = await syncNow(fx, { screenNames: ['no_history'] });
      expect(third.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 2, inserted: 0 });
      expect(await listedIds(fx, 'no_history')).toEqual(posted.map((tweet) => tweet.id).reverse());
    },
  );
});
