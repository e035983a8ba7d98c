import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type ImportStatus = 'running' | 'succeeded' | 'failed';

/** How far an import got, and what it wrote. */
export interface ImportProgress {
  owner: { userId: string; screenName: string } | null;
  /** Bytes of the tweet files read so far, of all of them. */
  bytesRead: number;
  bytesTotal: number;
  tweetsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Tweets of data/deleted-tweets.js stored marked deleted. */
  deleted: number;
  /** Rows the database refused (the rest of the import went on), with why. */
  refused: { id: string; reason: string }[];
}

export const NOTHING_IMPORTED: ImportProgress = {
  owner: null,
  bytesRead: 0,
  bytesTotal: 0,
  tweetsRead: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  refused: [],
};

export interface ImportRecord {
  id: string;
  status: ImportStatus;
  fileName: string;
  bytes: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  progress: ImportProgress;
}

// An import writes its progress every second: one silent for a minute died with its process.
const ABANDONED_AFTER = '1 minute';

const SELECT = `id::text, status, file_name, bytes::text, started_at, finished_at, error, progress`;

/** The queries of archive_imports: the imports started through POST /imports. */
@Injectable()
export class ArchiveImportRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async createImport(fileName: string, bytes: number): Promise<ImportRecord> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `INSERT INTO archive_imports (status, file_name, bytes, progress) VALUES ('running', $1, $2, $3::jsonb)
       RETURNING ${SELECT}`,
      [fileName, bytes, JSON.stringify(NOTHING_IMPORTED)],
    );
    return toRecord(rows[0]);
  }

  async saveProgress(id: string, progress: ImportProgress): Promise<void> {
    await this.dataSource.query(
      `UPDATE archive_imports SET progress = $2::jsonb, updated_at = now() WHERE id = $1 AND status = 'running'`,
      [id, JSON.stringify(progress)],
    );
  }

  async finishImport(id: string, status: ImportStatus, progress: ImportProgress, error: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE archive_imports SET status = $2, progress = $3::jsonb, error = $4, finished_at = now(), updated_at = now()
        WHERE id = $1`,
      [id, status, JSON.stringify(progress), error],
    );
  }

  async findImport(id: string): Promise<ImportRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${SELECT} FROM archive_imports WHERE id = $1`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Marks failed the imports whose process stopped while they ran (they rolled back: nothing was stored). */
  async failAbandonedImports(): Promise<void> {
    await this.dataSource.query(
      `UPDATE archive_imports
          SET status = 'failed', error = 'interrupted: the process running it stopped; nothing was stored',
              finished_at = now(), updated_at = now()
        WHERE status = 'running' AND updated_at < now() - interval '${ABANDONED_AFTER}'`,
    );
  }
}

function toRecord(row: Record<string, unknown>): ImportRecord {
  return {
    id: row.id as string,
    status: row.status as ImportStatus,
    fileName: row.file_name as string,
    bytes: Number(row.bytes),
    startedAt: new Date(row.started_at as string),
    finishedAt: row.finished_at ? new Date(row.finished_at as string) : null,
    error: row.error as string | null,
    progress: row.progress as ImportProgress,
  };
}
