import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Schedule, ScheduleEntry, TaskName } from './schedule';

export interface StoredScheduleEntry extends ScheduleEntry {
  version: number;
  lastTickAt: Date | null;
  lastRunAt: Date | null;
  lastStatus: string | null;
  lastResult: unknown;
  runCount: number;
  skippedCount: number;
}

const COLUMNS = `name, task, cron, interval_seconds, args, enabled, version, last_tick_at, last_run_at,
  last_status, last_result, run_count, skipped_count`;

// TypeORM answers a bare UPDATE with [rows, count] on pg but rows on PGlite; a SELECT over the
// UPDATE's RETURNING is rows on both.
const returning = (update: string) => `WITH changed AS (${update} RETURNING *) SELECT ${COLUMNS} FROM changed`;

/** The only place with queries on schedule_entries. */
@Injectable()
export class ScheduleRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Creates missing entries; an entry whose configured schedule changed since it was last applied
   * takes the new one (runtime changes to it are replaced), others keep their runtime state.
   */
  async applyConfiguration(entries: ScheduleEntry[]): Promise<void> {
    for (const entry of entries) {
      const configured = JSON.stringify(entry.schedule);
      await this.dataSource.query(
        `INSERT INTO schedule_entries AS e (name, task, cron, interval_seconds, args, enabled, configured)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb)
         ON CONFLICT (name) DO UPDATE
            SET cron = EXCLUDED.cron, interval_seconds = EXCLUDED.interval_seconds,
                configured = EXCLUDED.configured, version = e.version + 1
          WHERE e.configured IS DISTINCT FROM EXCLUDED.configured`,
        [
          entry.name,
          entry.task,
          entry.schedule.cron ?? null,
          entry.schedule.intervalSeconds ?? null,
          JSON.stringify(entry.args),
          entry.enabled,
          configured,
        ],
      );
    }
  }

  async findAll(names: string[]): Promise<StoredScheduleEntry[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM schedule_entries WHERE name = ANY($1::text[]) ORDER BY name`,
      [names],
    );
    return rows.map(toEntry);
  }

  async find(name: string): Promise<StoredScheduleEntry | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM schedule_entries WHERE name = $1`,
      [name],
    );
    return rows.length ? toEntry(rows[0]) : null;
  }

  /** Changes an entry's schedule or switch; returns it, or null when there is no such entry. */
  async update(name: string, change: { enabled?: boolean; schedule?: Schedule }): Promise<StoredScheduleEntry | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      returning(`UPDATE schedule_entries
            SET enabled = coalesce($2, enabled),
                cron = CASE WHEN $3::boolean THEN $4 ELSE cron END,
                interval_seconds = CASE WHEN $3::boolean THEN $5::integer ELSE interval_seconds END,
                version = version + 1
          WHERE name = $1`),
      [
        name,
        change.enabled ?? null,
        change.schedule !== undefined,
        change.schedule?.cron ?? null,
        change.schedule?.intervalSeconds ?? null,
      ],
    );
    return rows.length ? toEntry(rows[0]) : null;
  }

  /** Claims the tick at `tickAt` for this process; false when another replica claimed it already. */
  async claimTick(name: string, tickAt: Date): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      returning(`UPDATE schedule_entries SET last_tick_at = $2
          WHERE name = $1 AND enabled AND (last_tick_at IS NULL OR last_tick_at < $2)`),
      [name, tickAt],
    );
    return rows.length === 1;
  }

  async recordRun(name: string, status: string, result: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE schedule_entries
          SET last_run_at = now(), last_status = $2, last_result = $3::jsonb, run_count = run_count + 1
        WHERE name = $1`,
      [name, status, JSON.stringify(result ?? null)],
    );
  }

  async recordSkip(name: string): Promise<void> {
    await this.dataSource.query(`UPDATE schedule_entries SET skipped_count = skipped_count + 1 WHERE name = $1`, [
      name,
    ]);
  }
}

function toEntry(row: Record<string, unknown>): StoredScheduleEntry {
  const schedule: Schedule =
    row.cron !== null ? { cron: row.cron as string } : { intervalSeconds: row.interval_seconds as number };
  return {
    name: row.name as string,
    task: row.task as TaskName,
    schedule,
    args: row.args as unknown[],
    enabled: row.enabled as boolean,
    version: row.version as number,
    lastTickAt: row.last_tick_at ? new Date(row.last_tick_at as string) : null,
    lastRunAt: row.last_run_at ? new Date(row.last_run_at as string) : null,
    lastStatus: row.last_status as string | null,
    lastResult: row.last_result,
    runCount: row.run_count as number,
    skippedCount: row.skipped_count as number,
  };
}
