import 'reflect-metadata';
import { SingleBar } from 'cli-progress';
import { resolve } from 'node:path';
import { ConfigurationError, loadEnvironment } from '../config/environment';
import { createCommandContext } from '../command-context';
import type { ImportProgress } from './archive-import.repository';
import { ArchiveImportModule } from './archive-import.module';
import { ArchiveImportService } from './archive-import.service';
import { ArchiveError } from './x-archive.reader';

// Without a terminal (a log file, CI), a line this often instead of a bar.
const LOG_EVERY_MS = 5000;

const megabytes = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);

/** `npm run import -- <zip or folder>`: the X archive import of POST /imports, on the configured database. */
async function main(): Promise<void> {
  const [path, ...rest] = process.argv.slice(2);
  if (!path || rest.length > 0 || path.startsWith('-')) {
    console.error('usage: npm run import -- <the archive zip X delivers, or its unpacked folder>');
    process.exit(2);
  }
  const environment = loadEnvironment();

  const app = await createCommandContext(environment, ArchiveImportModule);
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: 'importing [{bar}] {percentage}% | {tweets} tweets | {value}/{total} MB',
        stream: process.stderr,
      })
    : null;
  let started = false;
  let logged = Date.now();
  const show = (progress: ImportProgress) => {
    const value = Number(megabytes(progress.bytesRead));
    if (bar) {
      if (!started) bar.start(Number(megabytes(progress.bytesTotal)), value, { tweets: progress.tweetsRead });
      else bar.update(value, { tweets: progress.tweetsRead });
      started = true;
    } else if (Date.now() - logged >= LOG_EVERY_MS) {
      logged = Date.now();
      console.log(
        `${progress.tweetsRead} tweets read, ${megabytes(progress.bytesRead)} of ${megabytes(progress.bytesTotal)} MB`,
      );
    }
  };
  let exitCode = 0;
  try {
    const progress = await app.get(ArchiveImportService).importArchive(resolve(path), show);
    bar?.stop();
    console.log(
      `@${progress.owner?.screenName}: ${progress.tweetsRead} tweets read, ${progress.inserted} new, ${progress.updated} updated, ` +
        `${progress.unchanged} already stored, ${progress.deleted} marked deleted` +
        (progress.refused.length > 0 ? `, ${progress.refused.length} refused by the database` : ''),
    );
  } catch (error) {
    bar?.stop();
    // A bad archive is its owner's to fix: the message says what, nothing was stored.
    console.error(error instanceof ArchiveError ? `${error.message} (nothing was stored)` : error);
    exitCode = 1;
  }
  await app.close();
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
