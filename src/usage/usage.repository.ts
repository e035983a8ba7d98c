import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** The figures GET /2/usage/tweets gives for the whole X project (every app of it, not only this service). */
export interface ProjectUsage {
  projectUsage: number;
  projectCap: number;
  capResetDay: number | null;
}

export interface MonthUsage {
  /** The UTC calendar month, "2026-12". */
  month: string;
  postsRead: number;
  /** Most posts first, then screen name. */
  byAccount: { screenName: string; postsRead: number }[];
}

// The first day of the current month in UTC, whatever the session's time zone.
const THIS_MONTH = `date_trunc('month', now() AT TIME ZONE 'UTC')::date`;

/** The only place with queries on post_reads and x_project_usage. */
@Injectable()
export class UsageRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts `posts` read for the account this UTC month, under its latest screen name; pass the page's manager. */
  async addPostsRead(
    account: { id: string; screenName: string },
    posts: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (posts === 0) return;
    await manager.query(
      `INSERT INTO post_reads (month, account_id, screen_name, posts) VALUES (${THIS_MONTH}, $1::bigint, $2, $3)
       ON CONFLICT (month, account_id)
       DO UPDATE SET posts = post_reads.posts + EXCLUDED.posts, screen_name = EXCLUDED.screen_name`,
      [account.id, account.screenName, posts],
    );
  }

  /** Posts read this UTC month, all accounts together. */
  async postsReadThisMonth(): Promise<number> {
    const rows: { posts: string }[] = await this.dataSource.query(
      `SELECT coalesce(sum(posts), 0)::text AS posts FROM post_reads WHERE month = ${THIS_MONTH}`,
    );
    return Number(rows[0].posts);
  }

  /** This UTC month's posts read, in total and by account. */
  async findMonth(): Promise<MonthUsage> {
    // The month comes from the database's clock, like the rows it counts; it is there with no rows too.
    // Screen names in the same order on every server, whatever its collation.
    const rows: { month: string; screen_name: string | null; posts: string | null }[] = await this.dataSource.query(
      `SELECT to_char(m.month, 'YYYY-MM') AS month, r.screen_name, r.posts::text AS posts
         FROM (SELECT ${THIS_MONTH} AS month) m
         LEFT JOIN post_reads r ON r.month = m.month
        ORDER BY r.posts DESC, lower(r.screen_name) COLLATE "C", r.screen_name COLLATE "C"`,
    );
    const byAccount = rows
      .filter((row) => row.screen_name !== null)
      .map((row) => ({ screenName: row.screen_name!, postsRead: Number(row.posts) }));
    return {
      month: rows[0].month,
      postsRead: byAccount.reduce((sum, account) => sum + account.postsRead, 0),
      byAccount,
    };
  }

  /** Replaces the stored project figures with these, fetched now. */
  async saveProjectUsage(usage: ProjectUsage): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO x_project_usage (singleton, project_usage, project_cap, cap_reset_day, fetched_at)
       VALUES (true, $1, $2, $3, now())
       ON CONFLICT (singleton) DO UPDATE SET project_usage = EXCLUDED.project_usage,
         project_cap = EXCLUDED.project_cap, cap_reset_day = EXCLUDED.cap_reset_day, fetched_at = EXCLUDED.fetched_at`,
      [usage.projectUsage, usage.projectCap, usage.capResetDay],
    );
  }

  /** The project figures last saved, or null before the first. */
  async findProjectUsage(): Promise<(ProjectUsage & { fetchedAt: Date }) | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT project_usage::text, project_cap::text, cap_reset_day, fetched_at FROM x_project_usage`,
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return {
      projectUsage: Number(row.project_usage),
      projectCap: Number(row.project_cap),
      capResetDay: row.cap_reset_day as number | null,
      fetchedAt: new Date(row.fetched_at as string),
    };
  }
}
