import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeXArchive } from '../src/archive-import/x-archive.generator';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { ROOT } from './support/service-process';

jest.setTimeout(300_000);

const TWEETS = 100_000;
// A quarter of the large one: past what the process needs to warm up (V8's heap settles), so the
// difference is what the file's size adds.
const SMALL = 25_000;
// Holding the large tweets.js (over 100 MB), or its parsed tweets (several times that), would take
// far more; a batch of rows and the allocator's swings take far less.
const MAX_GROWTH_MB = 100;

interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
  peakRssMb: number;
}

/** `npm run import -- <path>` as built, without a terminal; samples its resident memory while it runs. */
async function runImport(path: string, environment: Record<string, string>): Promise<CommandRun> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'archive-import', 'import.command.js'), path], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peakRssMb = 0;
  const sampler = setInterval(() => {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (rss) peakRssMb = Math.max(peakRssMb, Number(rss[1]) / 1024);
    } catch {
      // The process has just exited.
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  return { code, stdout, stderr, peakRssMb };
}

describe('npm run import', () => {
  let dir: string;
  let zip: string;
  let smallZip: string;
  let owner: { id: string; username: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archive-command-'));
    zip = join(dir, 'large.zip');
    ({ owner } = await writeXArchive(zip, { seed: 7, tweets: TWEETS, zip: true }));
    smallZip = join(dir, 'small.zip');
    await writeXArchive(smallZip, { seed: 8, tweets: SMALL, zip: true });
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe.each(DATABASE_KINDS)('on %s', (kind) => {
    let database: TestDatabase;
    let environment: Record<string, string>;

    beforeAll(async () => {
      // The embedded database of a fresh folder, as `npm start` uses it by default.
      if (kind === 'pglite') {
        environment = { PGLITE_DATA_DIR: join(dir, 'pglite') };
      } else {
        database = await createTestDatabase(kind);
        environment = { DATABASE_URL: database.url };
      }
    });

    afterAll(() => database?.drop());

    it('refuses a path that is no archive, naming it, and exits 1', async () => {
      const missing = join(dir, 'nowhere.zip');
      const run = await runImport(missing, environment);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`no such file or folder: ${missing} (nothing was stored)`);
    });

    it(`imports ${TWEETS.toLocaleString('en')} tweets with the memory of ${SMALL.toLocaleString('en')}`, async () => {
      // On the database the test above created: PGlite's own memory is largest while it creates one.
      const small = await runImport(smallZip, environment);
      expect(small.code).toBe(0);
      expect(small.stdout).toContain(`${SMALL} tweets read, ${SMALL} new`);

      const large = await runImport(zip, environment);
      expect(large.stderr).toBe('');
      expect(large.code).toBe(0);
      expect(large.stdout).toContain(
        `@${owner.username}: ${TWEETS} tweets read, ${TWEETS} new, 0 updated, 0 already stored, 0 marked deleted`,
      );
      // Without a terminal, progress comes as log lines.
      expect(large.stdout).toMatch(/\d+ tweets read, [\d.]+ of [\d.]+ MB/);
      expect(small.peakRssMb).toBeGreaterThan(0);
      // A file four times larger (over 130 MB of tweets.js) and about the same memory.
      expect(large.peakRssMb - small.peakRssMb).toBeLessThan(MAX_GROWTH_MB);
    });
  });
});
