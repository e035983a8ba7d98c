import { Metrics } from '../metrics/metrics';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { rm } from 'node:fs/promises';
import { DataSource, EntityManager } from 'typeorm';
import { AccountsRepository } from '../accounts/accounts.repository';
import { recordArchive } from '../sync/sync-progress';
import { SyncRepository } from '../sync/sync.repository';
import { errorMessage } from '../sync/account-sync';
import { compareIds, TweetRow, TweetsRepository, TwitterUserRow, UpsertCounts } from '../tweets/tweets.repository';
import { ArchiveImportRepository, ImportProgress, ImportRecord, NOTHING_IMPORTED } from './archive-import.repository';
import {
  attachNoteTexts,
  indexNoteTweets,
  mapArchiveDeletedTweet,
  mapArchiveOwner,
  mapArchiveTweet,
  NoteTweetIndex,
} from './x-archive.mapper';
import { ArchiveError, openXArchive, XArchive } from './x-archive.reader';

// Rows a bulk upsert gets at once: memory stays flat however large the archive.
const BATCH_SIZE = 1000;
// Progress reaches the caller (a bar, a log line, GET /imports/:id) at most this often.
const PROGRESS_EVERY_MS = 250;
const SAVE_PROGRESS_EVERY_MS = 1000;
const DELETED_TWEETS = 'data/deleted-tweets.js';

/**
 * Imports the archive X lets an account download: its tweets (past the API's reach of 3,200), long
 * posts' whole texts and the tweets its owner deleted, into the tables the sync writes, in one
 * transaction (a bad archive stores nothing). The owner becomes an account whose later syncs fetch
 * only what is newer than the archive.
 */
@Injectable()
export class ArchiveImportService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ArchiveImportService.name);
  private readonly running = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tweets: TweetsRepository,
    private readonly syncs: SyncRepository,
    private readonly accounts: AccountsRepository,
    private readonly imports: ArchiveImportRepository,
    private readonly metrics: Metrics,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.imports.failAbandonedImports();
  }

  /** Lets background imports finish (or fail) before the database closes. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.running);
  }

  /**
   * Imports the zip or unpacked folder at `path`; `onProgress` hears how far it is now and then and
   * once at the end. Throws ArchiveError for an unusable archive; nothing is stored then.
   */
  async importArchive(
    path: string,
    onProgress: (progress: ImportProgress) => void = () => undefined,
  ): Promise<ImportProgress> {
    const archive = await openXArchive(path);
    try {
      const [account] = await archive.readAll('data/account.js');
      if (account === undefined)
        throw new ArchiveError('the archive has no data/account.js: whose tweets these are is unknown');
      const [profile] = await archive.readAll('data/profile.js');
      const owner = mapArchiveOwner(account, profile);
      const notes = indexNoteTweets(await archive.readAll('data/note-tweet.js'));
      const progress: ImportProgress = {
        ...NOTHING_IMPORTED,
        refused: [],
        owner: { userId: owner.id, screenName: owner.screenName },
        bytesTotal: archive.totalBytes([...archive.tweetFiles, DELETED_TWEETS]),
      };
      let reported = 0;
      const report = (force = false) => {
        if (!force && Date.now() - reported < PROGRESS_EVERY_MS) return;
        reported = Date.now();
        onProgress({ ...progress, refused: [...progress.refused] });
      };
      await this.dataSource.transaction(async (manager) => {
        // One transaction for the whole archive: its size, not a request's, sets how long it takes.
        await manager.query('SET LOCAL statement_timeout = 0');
        await this.tweets.upsertUsers([owner], 'archive', manager);
        const newestId = await this.storeTweets(archive, owner, notes, progress, report, manager);
        await this.storeDeletedTweets(archive, owner, progress, report, manager);
        await this.followOwner(owner, newestId, manager);
      });
      // Thousands of rows at once: the planner's statistics (search terms' frequencies among them)
      // are refreshed now, not whenever autovacuum (which PGlite does not have) gets to it.
      this.metrics.countTweetsWritten('import', progress);
      await this.dataSource.query('ANALYZE tweets');
      report(true);
      this.logger.log(
        `imported the X archive of @${owner.screenName}: ${progress.tweetsRead} tweets read, ${progress.inserted} new, ` +
          `${progress.updated} updated, ${progress.unchanged} unchanged, ${progress.deleted} deleted by their owner`,
      );
      return progress;
    } finally {
      await archive.close();
    }
  }

  /**
   * POST /imports: records an import of the uploaded file at `path` and runs it in the background
   * (GET /imports/:id follows it); the file is deleted once it is done.
   */
  async startImport(path: string, fileName: string, bytes: number): Promise<ImportRecord> {
    const record = await this.imports.createImport(fileName, bytes);
    let saved = 0;
    let saving: Promise<void> = Promise.resolve();
    const onProgress = (progress: ImportProgress) => {
      if (Date.now() - saved < SAVE_PROGRESS_EVERY_MS) return;
      saved = Date.now();
      saving = saving.then(() => this.imports.saveProgress(record.id, progress)).catch(() => undefined);
    };
    let last = NOTHING_IMPORTED;
    const run = this.importArchive(path, (progress) => {
      last = progress;
      onProgress(progress);
    })
      .then(
        async (progress) => {
          await saving;
          await this.imports.finishImport(record.id, 'succeeded', progress, null);
        },
        async (error: unknown) => {
          await saving;
          const message = error instanceof ArchiveError ? error.message : `the import failed: ${errorMessage(error)}`;
          if (!(error instanceof ArchiveError)) this.logger.error(`import ${record.id}: ${message}`);
          // Nothing was stored: the counts of what was read would mislead.
          await this.imports.finishImport(record.id, 'failed', { ...NOTHING_IMPORTED, owner: last.owner }, message);
        },
      )
      .catch((error: unknown) =>
        this.logger.error(`could not record the end of import ${record.id}: ${errorMessage(error)}`),
      )
      .finally(() => rm(path, { force: true }).catch(() => undefined));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return record;
  }

  /** The timeline tweets, in bulk upserts; answers the newest id stored (null for an empty archive). */
  private async storeTweets(
    archive: XArchive,
    owner: TwitterUserRow,
    notes: NoteTweetIndex,
    progress: ImportProgress,
    report: () => void,
    manager: EntityManager,
  ): Promise<string | null> {
    let batch: TweetRow[] = [];
    let newestId: string | null = null;
    const editedVersions: { id: string; newestId: string }[] = [];
    const flush = async () => {
      add(progress, await this.tweets.upsertTweets(attachNoteTexts(batch, notes), 'archive', manager));
      batch = [];
      report();
    };
    for (const file of archive.tweetFiles) {
      let index = 0;
      const onBytes = (bytes: number) => {
        progress.bytesRead += bytes;
        report();
      };
      for await (const entry of archive.records(file, onBytes)) {
        const row: TweetRow = { ...mapArchiveTweet(entry, owner, index++, file), origin: 'archive' };
        progress.tweetsRead++;
        if (newestId === null || compareIds(row.id, newestId) > 0) newestId = row.id;
        const versions = row.editHistoryTweetIds;
        for (const id of versions.slice(0, -1)) editedVersions.push({ id, newestId: versions[versions.length - 1] });
        batch.push(row);
        if (batch.length >= BATCH_SIZE) await flush();
      }
    }
    await flush();
    // Edits are few: marked once every version is stored, whichever file and batch it was in.
    await this.tweets.markSuperseded(editedVersions, manager);
    return newestId;
  }

  /** data/deleted-tweets.js, when present: stored like the others, then marked deleted. */
  private async storeDeletedTweets(
    archive: XArchive,
    owner: TwitterUserRow,
    progress: ImportProgress,
    report: () => void,
    manager: EntityManager,
  ): Promise<void> {
    if (!archive.files.includes(DELETED_TWEETS)) return;
    let batch: { row: TweetRow; deletedAt: Date }[] = [];
    const flush = async () => {
      add(
        progress,
        await this.tweets.upsertTweets(
          batch.map(({ row }) => row),
          'archive',
          manager,
        ),
      );
      progress.deleted += await this.tweets.markDeletedAt(
        batch.map(({ row, deletedAt }) => ({ id: row.id, deletedAt })),
        manager,
      );
      batch = [];
      report();
    };
    let index = 0;
    const onBytes = (bytes: number) => {
      progress.bytesRead += bytes;
      report();
    };
    for await (const entry of archive.records(DELETED_TWEETS, onBytes)) {
      const deleted = mapArchiveDeletedTweet(entry, owner, index++, DELETED_TWEETS);
      progress.tweetsRead++;
      batch.push({ row: { ...deleted.row, origin: 'archive' }, deletedAt: deleted.deletedAt });
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
  }

  /**
   * The owner becomes an account (as POST /accounts adds one), or stays the one it is; its cursor
   * moves past the archive's newest tweet, so the next sync fetches only what is newer.
   */
  private async followOwner(owner: TwitterUserRow, newestId: string | null, manager: EntityManager): Promise<void> {
    let account = await this.syncs.lockAccountOfUser(owner.id, owner.screenName, manager);
    if (!account) {
      const added = await this.accounts.insertAccount(
        { screenName: owner.screenName, userId: owner.id, status: 'active', enabled: true, exclude: [] },
        manager,
      );
      if (added === null) {
        throw new ArchiveError(
          `the archive's owner @${owner.screenName} (user ${owner.id}) cannot be added: another stored account holds that screen name`,
        );
      }
      account = await this.syncs.lockAccountOfUser(owner.id, owner.screenName, manager);
    }
    if (account && newestId !== null) {
      await this.syncs.saveProgress(account.id, owner.id, recordArchive(account.progress, newestId), manager);
    }
  }
}

function add(progress: ImportProgress, counts: UpsertCounts): void {
  progress.inserted += counts.inserted;
  progress.updated += counts.updated;
  progress.unchanged += counts.unchanged;
  progress.refused.push(...counts.refused);
}
