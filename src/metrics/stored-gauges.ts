import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Gauge } from 'prom-client';
import { AccountRecord, AccountsRepository } from '../accounts/accounts.repository';
import { errorMessage } from '../sync/account-sync';
import type { Environment } from '../config/environment';
import { UsageRepository } from '../usage/usage.repository';
import { METRIC_PREFIX, Metrics } from './metrics';

const ACCOUNTS_PAGE = 500;

/**
 * Gauges read from the database at each scrape, so every replica reports what all of them stored:
 * per account (one series per account of the list, none for any other name) and the month's posts.
 */
@Injectable()
export class StoredGauges {
  private readonly logger = new Logger('Metrics');
  private accountsRead: Promise<AccountRecord[]> | null = null;

  constructor(
    metrics: Metrics,
    private readonly accounts: AccountsRepository,
    private readonly usage: UsageRepository,
    config: ConfigService<Environment, true>,
  ) {
    const registers = [metrics.registry];
    const storedTweets: Gauge<'screen_name'> = new Gauge({
      name: `${METRIC_PREFIX}account_stored_tweets`,
      help: "The account's own tweets stored, as GET /tweets?screenName= lists them",
      labelNames: ['screen_name'] as const,
      registers,
      collect: async () => {
        const accounts = await this.accountsOfScrape();
        storedTweets.reset(); // only the accounts of the list now: a removed one's series ends
        for (const { screenName, storedTweets: count } of accounts)
          storedTweets.set({ screen_name: screenName }, count);
      },
    });
    const lastSuccess: Gauge<'screen_name'> = new Gauge({
      name: `${METRIC_PREFIX}account_last_success_timestamp_seconds`,
      help: "When the account's last successful sync ended (Unix time); absent before its first",
      labelNames: ['screen_name'] as const,
      registers,
      collect: async () => {
        const accounts = await this.accountsOfScrape();
        lastSuccess.reset();
        for (const { screenName, lastSucceededAt } of accounts) {
          if (lastSucceededAt) lastSuccess.set({ screen_name: screenName }, lastSucceededAt.getTime() / 1000);
        }
      },
    });
    const postsRead: Gauge = new Gauge({
      name: `${METRIC_PREFIX}x_posts_read_this_month`,
      help: 'Posts read from the X API this UTC month, every account and replica together',
      registers,
      collect: async () => postsRead.set(await this.postsReadThisMonth()),
    });
    const budget = config.get('SYNC_MONTHLY_POST_BUDGET', { infer: true });
    if (budget !== undefined) {
      new Gauge({
        name: `${METRIC_PREFIX}x_monthly_post_budget`,
        help: 'SYNC_MONTHLY_POST_BUDGET: the posts a UTC month may read (absent: no limit)',
        registers,
      }).set(budget);
    }
  }

  /** One read of the accounts for the gauges of one scrape: the registry collects them all at once. */
  private accountsOfScrape(): Promise<AccountRecord[]> {
    this.accountsRead ??= this.allAccounts().finally(() => (this.accountsRead = null));
    return this.accountsRead;
  }

  /** Every account of the list; none when the database does not answer (the scrape still succeeds, logged). */
  private async allAccounts(): Promise<AccountRecord[]> {
    const all: AccountRecord[] = [];
    try {
      for (let page = await this.accounts.findAccounts({ limit: ACCOUNTS_PAGE }); ;) {
        all.push(...page.items);
        if (!page.next) return all;
        page = await this.accounts.findAccounts({ limit: ACCOUNTS_PAGE, after: page.next });
      }
    } catch (error) {
      this.logger.warn(`could not read the accounts for /metrics: ${errorMessage(error)}`);
      return [];
    }
  }

  private async postsReadThisMonth(): Promise<number> {
    try {
      return await this.usage.postsReadThisMonth();
    } catch (error) {
      this.logger.warn(`could not read the posts read this month for /metrics: ${errorMessage(error)}`);
      return NaN;
    }
  }
}
