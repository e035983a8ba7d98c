import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeBrokenArchive, writeXArchive } from './x-archive.generator';
import { ArchiveError, openXArchive, XArchive } from './x-archive.reader';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'x-archive-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const idOf = (record: any): string => record.tweet.id_str;

async function collect(archive: XArchive, file: string, onBytes?: (bytes: number) => void): Promise<unknown[]> {
  const records: unknown[] = [];
  for await (const record of archive.records(file, onBytes)) records.push(record);
  return records;
}

async function withArchive<T>(target: string, use: (archive: XArchive) => Promise<T>): Promise<T> {
  const archive = await openXArchive(target);
  try {
    return await use(archive);
  } finally {
    await archive.close();
  }
}

/** The ArchiveError a promise rejects with (failing the test if it is anything else). */
async function archiveError(promise: Promise<unknown>): Promise<ArchiveError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ArchiveError);
  expect((error as Error).name).toBe('ArchiveError');
  return error as ArchiveError;
}

describe('openXArchive on a zip and on a folder', () => {
  it('lists the record files, streams the tweets in order and counts their bytes', async () => {
    const zipPath = path.join(dir, 'archive.zip');
    const written = await writeXArchive(zipPath, { seed: 3, deleted: 2, zip: true });
    expect(written.tweetIds).toHaveLength(50);

    await withArchive(zipPath, async (archive) => {
      expect(archive.files.sort()).toEqual([
        'data/account.js',
        'data/deleted-tweets.js',
        'data/like.js',
        'data/note-tweet.js',
        'data/profile.js',
        'data/tweets.js',
      ]);
      expect(archive.tweetFiles).toEqual(['data/tweets.js']);
      expect(archive.totalBytes(archive.tweetFiles)).toBe(written.bytes);
      expect(archive.totalBytes(['data/nothing.js'])).toBe(0);

      const reported: number[] = [];
      const records = await collect(archive, 'data/tweets.js', (bytes) => reported.push(bytes));
      expect(records.map(idOf)).toEqual(written.tweetIds);
      expect(reported.reduce((a, b) => a + b, 0)).toBe(written.bytes);

      const [account] = (await archive.readAll('data/account.js')) as any[];
      expect(account.account.accountId).toBe(written.owner.id);
      expect(await archive.readAll('data/direct-messages.js')).toEqual([]);
      expect((await archive.readAll('data/deleted-tweets.js')).map(idOf)).toEqual(written.deletedIds);
    });

    // The same archive unpacked reads the same.
    const folder = path.join(dir, 'unpacked');
    await writeXArchive(folder, { seed: 3, deleted: 2 });
    await withArchive(folder, async (archive) => {
      expect(archive.files.sort()).toContain('data/tweets.js');
      expect(archive.files).not.toContain('data/tweets_media');
      expect(archive.totalBytes(['data/tweets.js'])).toBe(written.bytes);
      expect((await collect(archive, 'data/tweets.js')).map(idOf)).toEqual(written.tweetIds);
    });
  });

  it('is deterministic: the same seed writes the same bytes', async () => {
    await writeXArchive(path.join(dir, 'same-1'), { seed: 11, tweets: 20 });
    await writeXArchive(path.join(dir, 'same-2'), { seed: 11, tweets: 20 });
    const read = (name: string) => readFile(path.join(dir, name, 'data', 'tweets.js'), 'utf8');
    expect(await read('same-1')).toBe(await read('same-2'));
  });

  it('orders tweet parts by number (part10 after part9)', async () => {
    const target = path.join(dir, 'parts.zip');
    const written = await writeXArchive(target, { seed: 5, tweets: 24, parts: 12, zip: true });
    await withArchive(target, async (archive) => {
      expect(archive.tweetFiles).toEqual([
        'data/tweets.js',
        ...Array.from({ length: 11 }, (_, n) => `data/tweets-part${n + 1}.js`),
      ]);
      const ids: string[] = [];
      for (const file of archive.tweetFiles) ids.push(...(await collect(archive, file)).map(idOf));
      expect(ids).toEqual(written.tweetIds);
      expect(archive.totalBytes(archive.tweetFiles)).toBe(written.bytes);
    });
  });

  it('reads the tweet.js of archives from before 2022', async () => {
    const target = path.join(dir, 'legacy');
    const written = await writeXArchive(target, { seed: 6, tweets: 10, parts: 2, legacyName: true });
    expect(
      (await readFile(path.join(target, 'data', 'tweet.js'), 'utf8')).startsWith('window.YTD.tweet.part0 = ['),
    ).toBe(true);
    await withArchive(target, async (archive) => {
      expect(archive.tweetFiles).toEqual(['data/tweet.js', 'data/tweet-part1.js']);
      const ids = [...(await collect(archive, 'data/tweet.js')), ...(await collect(archive, 'data/tweet-part1.js'))];
      expect(ids.map(idOf)).toEqual(written.tweetIds);
    });
  });

  it('tolerates a trailing semicolon and whitespace, and an assignment without spaces', async () => {
    const target = path.join(dir, 'semicolon');
    await mkdir(path.join(target, 'data'), { recursive: true });
    await writeFile(
      path.join(target, 'data', 'tweets.js'),
      'window.YTD.tweets.part0=[{"tweet":{"id_str":"1850000000000000123","full_text":"a;b ; "}}] ;\r\n; \n',
    );
    await writeFile(path.join(target, 'data', 'note-tweet.js'), 'window.YTD.note_tweet.part0 = [ ]');
    await withArchive(target, async (archive) => {
      expect(await collect(archive, 'data/tweets.js')).toEqual([
        { tweet: { id_str: '1850000000000000123', full_text: 'a;b ; ' } },
      ]);
      expect(await archive.readAll('data/note-tweet.js')).toEqual([]);
    });
  });

  it('stops reading when the caller stops iterating', async () => {
    const target = path.join(dir, 'early-stop.zip');
    await writeXArchive(target, { seed: 8, tweets: 2000, zip: true });
    await withArchive(target, async (archive) => {
      let seen = 0;
      for await (const _ of archive.records('data/tweets.js')) if (++seen === 3) break;
      expect(seen).toBe(3);
      // The archive still reads after an abandoned stream.
      expect(await collect(archive, 'data/account.js')).toHaveLength(1);
    });
  });
});

describe('openXArchive on bad input', () => {
  it('refuses a file that is not a zip, a missing path and a folder without data/', async () => {
    const notZip = path.join(dir, 'not-a-zip.zip');
    await writeBrokenArchive(notZip, 'not-a-zip');
    expect((await archiveError(openXArchive(notZip))).message).toBe(`not a zip file or archive folder: ${notZip}`);

    const missing = path.join(dir, 'nowhere.zip');
    expect((await archiveError(openXArchive(missing))).message).toBe(`no such file or folder: ${missing}`);

    const empty = path.join(dir, 'empty-folder');
    await mkdir(empty);
    expect((await archiveError(openXArchive(empty))).message).toBe(
      `not an X archive folder (no data/ inside): ${empty}`,
    );
  });

  it('refuses a zip cut short (no central directory)', async () => {
    const whole = path.join(dir, 'whole.zip');
    await writeXArchive(whole, { seed: 9, tweets: 20, zip: true });
    const cut = path.join(dir, 'cut.zip');
    const bytes = await readFile(whole);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await archiveError(openXArchive(cut))).message).toBe(`not a zip file or archive folder: ${cut}`);
  });

  it.each([true, false])('refuses an archive without tweets (zip: %s)', async (zip) => {
    const target = path.join(dir, `no-tweets-${zip}${zip ? '.zip' : ''}`);
    await writeBrokenArchive(target, 'no-tweets', { zip });
    expect((await archiveError(openXArchive(target))).message).toBe(
      'the archive has no data/tweets.js (nor data/tweet.js)',
    );
  });

  it.each([
    ['path-traversal', '../evil.js'],
    ['backslash-entry', 'data\\..\\..\\evil.js'],
    ['absolute-entry', '/tmp/evil.js'],
  ] as const)('refuses a zip with an unsafe entry name (%s)', async (kind, name) => {
    const target = path.join(dir, `${kind}.zip`);
    await writeBrokenArchive(target, kind);
    expect((await archiveError(openXArchive(target))).message).toBe(
      `zip entry "${name}" leaves the archive folder: refused`,
    );
  });

  it.each([
    ['truncated-json', true],
    ['truncated-json', false],
    ['malformed-json', true],
    ['malformed-json', false],
  ] as const)('fails with the file and the place on %s (zip: %s)', async (kind, zip) => {
    const target = path.join(dir, `${kind}-${zip}${zip ? '.zip' : ''}`);
    await writeBrokenArchive(target, kind, { zip });
    await withArchive(target, async (archive) => {
      const seen: unknown[] = [];
      const reading = (async () => {
        for await (const record of archive.records('data/tweets.js')) seen.push(record);
      })();
      const error = await archiveError(reading);
      expect(error.message).toMatch(
        /^data\/tweets\.js: not valid JSON at or before byte \d+ \(truncated or malformed: .+\)$/,
      );
      const byte = Number(/byte (\d+)/.exec(error.message)?.[1]);
      expect(byte).toBeLessThanOrEqual(archive.totalBytes(['data/tweets.js']));
      expect(byte).toBeGreaterThan(0);
      // The damaged tweet and what follows it never come out.
      expect(seen.length).toBeLessThan(20);
    });
  });

  it('fails with the file on a zip entry whose compressed bytes are damaged', async () => {
    const whole = path.join(dir, 'to-damage.zip');
    await writeXArchive(whole, { seed: 12, tweets: 500, zip: true });
    const bytes = await readFile(whole);
    // Inside data/tweets.js's deflated data: after its local header (30 bytes and the name).
    const start = bytes.indexOf('data/tweets.js') + 'data/tweets.js'.length + 2000;
    bytes.fill(0x55, start, start + 200);
    const damaged = path.join(dir, 'damaged.zip');
    await writeFile(damaged, bytes);
    await withArchive(damaged, async (archive) => {
      expect((await archiveError(collect(archive, 'data/tweets.js'))).message).toMatch(/^data\/tweets\.js: /);
    });
  });

  it('fails on a record file with no array, and on a file the archive does not have', async () => {
    const target = path.join(dir, 'no-array');
    await mkdir(path.join(target, 'data'), { recursive: true });
    await writeFile(path.join(target, 'data', 'tweets.js'), 'window.YTD.tweets.part0 = {}');
    await withArchive(target, async (archive) => {
      expect((await archiveError(collect(archive, 'data/tweets.js'))).message).toBe(
        'data/tweets.js: no JSON array in the file (not an X archive record file)',
      );
      expect(() => archive.records('data/tweets-part7.js')).toThrow(
        new ArchiveError('the archive has no data/tweets-part7.js'),
      );
    });
  });
});
