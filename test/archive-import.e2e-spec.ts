import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ArchiveImportService } from '../src/archive-import/archive-import.service';
import { BrokenArchiveKind, writeBrokenArchive, writeXArchive } from '../src/archive-import/x-archive.generator';
import { DATABASE_KINDS } from './support/databases';
import { listedTweets, startSyncFixture, SyncFixture, syncNow, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(120_000);

type Json = Record<string, any>;

const AUTH = { authorization: `Bearer ${SYNC_TOKEN}` };
const MAX_BYTES = 2 * 1024 ** 2;

describe.each(DATABASE_KINDS)('the X archive import on %s', (kind) => {
  let fx: SyncFixture;
  let dir: string;
  let seed = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archive-import-'));
    fx = await startSyncFixture(kind, {
      SYNC_REFRESH_RECENT: '0',
      SYNC_VERIFY_PER_RUN: '0',
      IMPORT_MAX_BYTES: String(MAX_BYTES),
    });
  });

  afterAll(async () => {
    await fx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = (file: string, name = 'twitter-archive.zip') =>
    request(fx.service.url).post('/imports').set(AUTH).attach('archive', file, name);

  /** POST /imports, then GET /imports/:id until it is done. */
  async function importThroughApi(file: string): Promise<Json> {
    const started = await upload(file).expect(202);
    expect(started.headers.location).toBe(`/imports/${started.body.id}`);
    expect(started.body).toMatchObject({ status: 'running', fileName: 'twitter-archive.zip', error: null });
    for (let attempt = 0; attempt < 600; attempt++) {
      const current = await request(fx.service.url).get(started.headers.location).expect(200);
      if (current.body.status !== 'running') return current.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the import did not finish');
  }

  const storedCount = async () =>
    (await fx.service.app.get(DataSource).query('SELECT count(*)::int AS n FROM tweets'))[0].n as number;

  it('imports a zip through POST /imports: every tweet, long posts whole, deleted ones marked, the owner an account', async () => {
    const zip = join(dir, 'small.zip');
    const archive = await writeXArchive(zip, { seed: ++seed, tweets: 120, parts: 2, deleted: 3, zip: true });
    const done = await importThroughApi(zip);
    expect(done).toMatchObject({
      status: 'succeeded',
      error: null,
      owner: { userId: archive.owner.id, screenName: archive.owner.username },
      counts: { tweetsRead: 123, inserted: 123, updated: 0, unchanged: 0, deleted: 3, refused: [] },
    });
    expect(done.progress.read).toBe(done.progress.total);
    expect(done.finishedAt).not.toBeNull();

    // The generator's tweet 10 was edited into tweet 9: the older version is stored, not listed.
    const [edited, original] = [archive.tweetIds[9], archive.tweetIds[10]];
    const listed = await listedTweets(fx, archive.owner.username);
    expect(listed.map((tweet) => tweet.id)).toEqual(archive.tweetIds.filter((id) => id !== original));
    const history = await request(fx.service.url).get(`/tweets/${original}/history`).expect(200);
    expect(history.body.versions.map((version: Json) => version.id)).toEqual([original, edited]);
    for (const tweet of listed) expect(tweet).toMatchObject({ origin: 'archive', deletedAt: null });
    // Ids past 2^53 travel as exact strings.
    expect(archive.tweetIds.some((id) => BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
    // A long post has the note's whole text, not the cut one of tweets.js.
    expect(archive.noteIds.length).toBeGreaterThan(0);
    for (const id of archive.noteIds) {
      const tweet = listed.find((candidate) => candidate.id === id)!;
      expect(tweet.text.length).toBeGreaterThan(280);
      expect(tweet.text).not.toMatch(/…$/);
    }
    // Decoded text: the archive's &amp; is stored as &.
    expect(listed.some((tweet) => tweet.text.includes('&'))).toBe(true);
    expect(listed.every((tweet) => !tweet.text.includes('&amp;'))).toBe(true);

    const withDeleted = await request(fx.service.url)
      .get(`/tweets?screenName=${archive.owner.username}&include=deleted&limit=100`)
      .expect(200);
    const deleted = withDeleted.body.data.filter((tweet: Json) => tweet.deletedAt !== null);
    expect(deleted.map((tweet: Json) => tweet.id).sort()).toEqual([...archive.deletedIds].sort());

    const account = await request(fx.service.url).get(`/accounts/${archive.owner.username}`).expect(200);
    expect(account.body).toMatchObject({
      screenName: archive.owner.username,
      userId: archive.owner.id,
      enabled: true,
      // The timeline's current tweets, deleted ones included (the edit's older version is not one).
      storedTweets: 122,
      newestTweetId: archive.tweetIds[0],
      backfill: { complete: true },
    });
  });

  it('changes nothing when the same archive is imported twice, and never overwrites what a sync stored', async () => {
    const folder = join(dir, 'twice');
    const archive = await writeXArchive(folder, { seed: ++seed, tweets: 40 });
    const service = fx.service.app.get(ArchiveImportService);
    const first = await service.importArchive(folder);
    expect(first).toMatchObject({ inserted: 40, updated: 0 });
    const before = await listedTweets(fx, archive.owner.username);

    // A sync stores one of the tweets with newer metrics, as the API answers it.
    const synced = await fx.service.repository.findTweet(archive.tweetIds[5], true);
    await fx.service.repository.upsertTweets(
      [{ ...synced!, likeCount: 999_999, origin: 'api', raw: { from: 'the API' } }],
      'update',
    );

    const second = await service.importArchive(folder);
    expect(second).toMatchObject({ tweetsRead: 40, inserted: 0, updated: 0, unchanged: 40 });
    const after = await listedTweets(fx, archive.owner.username);
    expect(after.filter((tweet) => tweet.id !== archive.tweetIds[5])).toEqual(
      before.filter((tweet) => tweet.id !== archive.tweetIds[5]),
    );
    const kept = await request(fx.service.url).get(`/tweets/${archive.tweetIds[5]}?include=raw`).expect(200);
    expect(kept.body).toMatchObject({ origin: 'api', metrics: { likeCount: 999_999 }, raw: { from: 'the API' } });
  });

  it('lets a sync after the import fetch only what is newer than the archive', async () => {
    const folder = join(dir, 'then-sync');
    const archive = await writeXArchive(folder, { seed: ++seed, tweets: 30 });
    await fx.service.app.get(ArchiveImportService).importArchive(folder);
    const user = fx.fake.store.addUser({ id: archive.owner.id, username: archive.owner.username });
    const posted = [
      fx.fake.store.postTweet(user.id, 'after the download'),
      fx.fake.store.postTweet(user.id, 'and again'),
    ];

    fx.fake.clearRequests();
    const run = await syncNow(fx, { screenNames: [archive.owner.username] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 2, inserted: 2 });
    const pages = fx.fake.requests().filter((r) => r.endpoint === 'userTimeline');
    expect(pages.map((r) => r.query.since_id)).toEqual([archive.tweetIds[0]]);
    const listed = await listedTweets(fx, archive.owner.username);
    expect(listed.map((tweet) => tweet.id)).toEqual([
      posted[1].id,
      posted[0].id,
      ...archive.tweetIds.filter((id) => id !== archive.tweetIds[10]),
    ]);
    expect(listed.slice(0, 2).map((tweet) => tweet.origin)).toEqual(['api', 'api']);
  });

  it.each<[BrokenArchiveKind, RegExp]>([
    ['not-a-zip', /not a zip/i],
    ['no-tweets', /no data\/tweets\.js/],
    ['truncated-json', /data\/tweets\.js: .*(truncated|malformed)/i],
    ['malformed-json', /data\/tweets\.js: .*(truncated|malformed)/i],
    ['entry-without-id', /data\/tweets\.js: entry 17 has no tweet id/],
    ['path-traversal', /\.\.\/evil\.js.*refused/],
  ])('refuses a bad archive (%s) with a clear error, storing nothing', async (brokenKind, message) => {
    const zip = join(dir, `${brokenKind}.zip`);
    await writeBrokenArchive(zip, brokenKind);
    const stored = await storedCount();
    const accounts = (await request(fx.service.url).get('/accounts?limit=100').expect(200)).body.data.length;
    const done = await importThroughApi(zip);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(message) });
    expect(done.counts).toMatchObject({ inserted: 0, updated: 0 });
    expect(await storedCount()).toBe(stored);
    expect((await request(fx.service.url).get('/accounts?limit=100').expect(200)).body.data).toHaveLength(accounts);
  });

  it('validates POST /imports: token, form, size', async () => {
    const file = join(dir, 'big.zip');
    await writeFile(file, Buffer.alloc(MAX_BYTES + 1));
    await request(fx.service.url).post('/imports').attach('archive', file).expect(401);
    const tooLarge = await upload(file).expect(413);
    expect(tooLarge.body.message).toBe(`archive: larger than IMPORT_MAX_BYTES (${MAX_BYTES} bytes)`);
    const notMultipart = await request(fx.service.url).post('/imports').set(AUTH).send({ archive: 'x' }).expect(415);
    expect(notMultipart.body.message).toMatch(/multipart\/form-data/);
    const noFile = await request(fx.service.url).post('/imports').set(AUTH).field('note', 'no file').expect(400);
    expect(noFile.body.message).toEqual(['archive: the form holds no file: send the zip in the field "archive"']);
    await request(fx.service.url).get('/imports/not-a-uuid').expect(400);
    await request(fx.service.url).get('/imports/00000000-0000-4000-8000-000000000000').expect(404);
  });
});
