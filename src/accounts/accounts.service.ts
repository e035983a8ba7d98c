import {
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleInit,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment, twitterCredentials } from '../config/environment';
import { SyncAlreadyRunningError, SyncService, SyncShuttingDownError } from '../sync/sync.service';
import { SyncRepository, SyncRun } from '../sync/sync.repository';
import { TweetsRepository, TwitterUserRow } from '../tweets/tweets.repository';
import {
  AuthError,
  BadResponseError,
  RateLimitError,
  TransientError,
  TwitterApiClient,
  UsageCapError,
} from '../x-api/twitter-api.client';
import { mapV1User, mapV2User, V1User } from '../x-api/x-api.mapper';
import {
  AccountFilter,
  AccountRecord,
  AccountsRepository,
  AccountStatus,
  Duplicate,
  EXCLUDABLE,
  Excluded,
  NewAccount,
  PurgeCounts,
} from './accounts.repository';
import type { Page } from '../pagination/page';

export interface AccountRequest {
  screenName: string;
  enabled?: boolean;
  exclude?: Excluded[];
}

/** What X says of a screen name: its account, or nothing yet (no credentials, or X could not be asked). */
type Resolution =
  | { resolved: true; screenName: string; userId: string; status: AccountStatus; user: TwitterUserRow }
  | { resolved: false };

// X could not answer now; the next sync resolves the account instead.
const UNANSWERED = [TransientError, RateLimitError, UsageCapError, AuthError, BadResponseError];

/** The list of accounts to sync: adding (resolved through the X API), pausing, removing, purging. */
@Injectable()
export class AccountsService implements OnModuleInit {
  private readonly logger = new Logger(AccountsService.name);

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly tweets: TweetsRepository,
    private readonly api: TwitterApiClient,
    private readonly sync: SyncService,
    private readonly syncs: SyncRepository,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /**
   * TWITTER_SCREEN_NAMES still lists accounts: each that is not stored yet is added before any sync
   * starts (onApplicationBootstrap). A name taken out of the variable is never deleted.
   */
  async onModuleInit(): Promise<void> {
    const added = await this.syncs.addAccounts(this.config.get('TWITTER_SCREEN_NAMES', { infer: true }));
    if (added.length > 0) this.logger.log(`added from TWITTER_SCREEN_NAMES: ${added.join(', ')}`);
  }

  findAccounts(filter: AccountFilter): Promise<Page<AccountRecord>> {
    return this.accounts.findAccounts(filter);
  }

  /** The account GET /accounts/:screenName names (a current name first, else a previous one); 404 otherwise. */
  async findAccount(screenName: string): Promise<AccountRecord> {
    const account = await this.accounts.findAccount(screenName);
    if (!account) throw notInList(screenName);
    return account;
  }

  /**
   * Adds an account at the end of the list, resolved through the X API when credentials are set:
   * 422 for an unknown or suspended one, 409 for a duplicate. When X cannot answer, the account is
   * stored unresolved and the next sync resolves it.
   */
  async createAccount(request: AccountRequest): Promise<AccountRecord> {
    const { screenName } = request;
    const sameName = await this.accounts.findDuplicate(screenName, null, false);
    if (sameName) throw duplicateError(screenName, sameName);

    const resolution = await this.resolve(screenName);
    const account: NewAccount = {
      ...(resolution.resolved
        ? { screenName: resolution.screenName, userId: resolution.userId, status: resolution.status }
        : { screenName, userId: null, status: 'unresolved' }),
      enabled: request.enabled ?? true,
      exclude: inOrder(request.exclude ?? []),
    };
    // Unresolved, a former name of a stored account may be that same account: it cannot be told apart.
    const duplicate = await this.accounts.findDuplicate(account.screenName, account.userId, !resolution.resolved);
    if (duplicate) throw duplicateError(screenName, duplicate);

    const id = await this.accounts.transaction(async (manager) => {
      const inserted = await this.accounts.insertAccount(account, manager);
      if (inserted !== null && resolution.resolved) {
        const saveMode = this.config.get('SYNC_SAVE_MODE', { infer: true });
        const { refused } = await this.tweets.upsertUsers([resolution.user], saveMode, manager);
        for (const row of refused) this.logger.warn(`user ${row.id} of ${screenName} was not stored: ${row.reason}`);
      }
      return inserted;
    });
    if (id === null) {
      // Another request stored it in the meantime; the unique indexes refused this one.
      const winner = await this.accounts.findDuplicate(account.screenName, account.userId, false);
      throw winner ? duplicateError(screenName, winner) : new ConflictException(`${screenName} is already in the list`);
    }
    return (await this.accounts.findAccountById(id))!;
  }

  /**
   * Starts a sync of just this account, as POST /sync does. While a sync runs: 409 naming it; while
   * shutting down: 503. Either way the account stays stored.
   */
  async startSync(account: AccountRecord): Promise<SyncRun> {
    try {
      const { run } = await this.sync.startRun('manual', { screenNames: [account.screenName] });
      return run;
    } catch (error) {
      if (error instanceof SyncAlreadyRunningError) {
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `a sync is already running; the account ${account.screenName} is stored, and a later run syncs it`,
          runId: error.runId,
        });
      }
      if (error instanceof SyncShuttingDownError) {
        throw new ServiceUnavailableException(
          `the service is shutting down: no sync starts; the account ${account.screenName} is stored`,
        );
      }
      throw error;
    }
  }

  /** Pauses or resumes the account, or changes what it leaves out; its cursor never changes here. */
  async updateAccount(screenName: string, change: { enabled?: boolean; exclude?: Excluded[] }): Promise<AccountRecord> {
    const { id } = await this.findAccount(screenName);
    const exclude = change.exclude && inOrder(change.exclude);
    const changed = await this.accounts.updateAccount(id, { enabled: change.enabled, exclude });
    const account = changed ? await this.accounts.findAccountById(id) : null;
    if (!account) throw notInList(screenName);
    return account;
  }

  /** Takes the account off the list; its stored tweets stay (it is an archive). */
  async deleteAccount(screenName: string): Promise<void> {
    const { id } = await this.findAccount(screenName);
    if (!(await this.accounts.deleteAccount(id))) throw notInList(screenName);
  }

  /** Takes the account off the list and deletes its tweets and user row, in one transaction. */
  async purgeAccount(screenName: string): Promise<PurgeCounts> {
    const { id } = await this.findAccount(screenName);
    const counts = await this.accounts.purgeAccount(id);
    if (!counts) throw notInList(screenName);
    this.logger.log(`purged ${counts.screenName}: ${counts.tweets} tweets, ${counts.users} user row`);
    return counts;
  }

  private async resolve(screenName: string): Promise<Resolution> {
    if (!this.hasCredentials()) return { resolved: false };
    try {
      return await this.lookUp(screenName);
    } catch (error) {
      if (!UNANSWERED.some((kind) => error instanceof kind)) throw error;
      this.logger.warn(
        `${screenName}: stored unresolved, the X API could not be asked (${(error as Error).message}); the next sync resolves it`,
      );
      return { resolved: false };
    }
  }

  /** The account behind the screen name, through the configured API version; 422 when there is none to sync. */
  private async lookUp(screenName: string): Promise<Resolution> {
    if (this.config.get('TWITTER_API_VERSION', { infer: true }) === '1.1') {
      const { user, problem } = await this.api.findV1User({ screenName });
      if (problem) throw unavailableError(screenName, problem.kind);
      if (!user) throw new BadResponseError(`X API answered the lookup of ${screenName} with no user`);
      // v1.1 names the flag `protected` too; the mapper's type leaves it out as the row has no use for it.
      const isProtected = (user as V1User & { protected?: boolean }).protected === true;
      return found(user.screen_name, user.id_str, isProtected, mapV1User(user));
    }
    const { user, problem } = await this.api.findUserByUsername(screenName);
    if (problem) throw unavailableError(screenName, problem.kind);
    if (!user) throw new BadResponseError(`X API answered the lookup of ${screenName} with no user`);
    return found(user.username, user.id, user.protected === true, mapV2User(user));
  }

  private hasCredentials(): boolean {
    return (
      twitterCredentials({
        TWITTER_BEARER_TOKEN: this.config.get('TWITTER_BEARER_TOKEN', { infer: true }),
        TWITTER_CONSUMER_KEY: this.config.get('TWITTER_CONSUMER_KEY', { infer: true }),
        TWITTER_CONSUMER_SECRET: this.config.get('TWITTER_CONSUMER_SECRET', { infer: true }),
        TWITTER_ACCESS_TOKEN: this.config.get('TWITTER_ACCESS_TOKEN', { infer: true }),
        TWITTER_ACCESS_TOKEN_SECRET: this.config.get('TWITTER_ACCESS_TOKEN_SECRET', { infer: true }),
      }) !== null
    );
  }
}

function found(screenName: string, userId: string, isProtected: boolean, user: TwitterUserRow): Resolution {
  return { resolved: true, screenName, userId, status: isProtected ? 'protected' : 'active', user };
}

/** The canonical order (replies, retweets), so equal lists read the same. */
function inOrder(exclude: Excluded[]): Excluded[] {
  return EXCLUDABLE.filter((kind) => exclude.includes(kind));
}

function unavailableError(screenName: string, kind: 'not_found' | 'suspended'): UnprocessableEntityException {
  return new UnprocessableEntityException([
    kind === 'suspended'
      ? `screenName: the X account ${screenName} is suspended`
      : `screenName: no X account is named ${screenName}`,
  ]);
}

function duplicateError(screenName: string, duplicate: Duplicate): ConflictException {
  switch (duplicate.matched) {
    case 'screenName':
      return new ConflictException(`the account ${duplicate.screenName} is already in the list`);
    case 'userId':
      return new ConflictException(
        `${screenName} is the X account already in the list as ${duplicate.screenName} (user id ${duplicate.userId})`,
      );
    case 'previousScreenName':
      return new ConflictException(
        `${screenName} is a previous screen name of ${duplicate.screenName}, already in the list; ` +
          'X could not be asked whether another account holds it now',
      );
  }
}

function notInList(screenName: string): NotFoundException {
  return new NotFoundException(`no account named ${screenName} is in the list`);
}
