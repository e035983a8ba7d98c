import {
  BadRequestException,
  Controller,
  NotFoundException,
  Param,
  Query,
  Res,
  UseFilters,
  ValidationPipe,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { toAccountDto } from '../accounts/accounts.dto';
import { AccountsRepository } from '../accounts/accounts.repository';
import type { Environment } from '../config/environment';
import { VALIDATION_OPTIONS } from '../input-hardening';
import { encodeCursor } from '../pagination/cursor';
import { toSyncRunDto } from '../sync/sync.dto';
import { SyncRepository } from '../sync/sync.repository';
import { toScheduleEntryDto } from '../tasks/schedule.dto';
import { ScheduleRepository } from '../tasks/schedule.repository';
import { TasksService } from '../tasks/tasks.service';
import { toTweetHistoryDto, toUserHistoryDto } from '../tweets/history-response.mapper';
import { toTweetPageFilter, TweetIdParams, TweetQueryDto } from '../tweets/tweet.dto';
import { toTweetDto, toUserDto } from '../tweets/tweet-response.mapper';
import { TweetRecord, TweetsRepository } from '../tweets/tweets.repository';
import { ScreenNameParams } from '../tweets/user.dto';
import { Page } from './page-route';
import { exceptionMessages, PageErrorFilter } from './page-error.filter';
import { AccountPage } from './views/account.page';
import { AccountsPage } from './views/accounts.page';
import type { Clock } from './views/format';
import { renderDocument } from './views/layout';
import { RunsPage } from './views/runs.page';
import { SchedulesPage } from './views/schedules.page';
import { TimelineFilters, TimelinePage } from './views/timeline.page';
import { TweetPage } from './views/tweet.page';

export const TIMELINE_PAGE_SIZE = 50;
const ACCOUNTS_SHOWN = 500;
const RUNS_SHOWN = 20;
const REPLIES_SHOWN = 100;
/** How far up a reply chain the tweet's page follows stored tweets. */
const ANCESTORS_SHOWN = 20;
const FILTERS = ['q', 'screenName', 'since', 'until', 'include'] as const;
const TIMELINE_QUERY = new ValidationPipe(VALIDATION_OPTIONS);

/** The pages: server-rendered from the repositories the JSON API reads, through its mappers. */
@Controller()
@UseFilters(PageErrorFilter)
export class PagesController {
  private readonly timeZone: string;

  constructor(
    private readonly tweets: TweetsRepository,
    private readonly accounts: AccountsRepository,
    private readonly syncs: SyncRepository,
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TasksService,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('APP_TIMEZONE', { infer: true });
  }

  private clock(): Clock {
    return { timeZone: this.timeZone, now: new Date() };
  }

  // The query is validated here, by a pipe like the global one: a search form sends its empty
  // fields, and a mistake is shown in the page (400) rather than as JSON.
  @Page('/')
  async timeline(@Query() raw: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply) {
    const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
    const filters: TimelineFilters = Object.fromEntries(
      FILTERS.flatMap((key) => (typeof given[key] === 'string' ? [[key, given[key]]] : [])),
    );
    let errors: string[] = [];
    const query = await TIMELINE_QUERY.transform(
      { ...given, limit: String(TIMELINE_PAGE_SIZE) },
      { type: 'query', metatype: TweetQueryDto },
    ).then(
      (valid) => valid as TweetQueryDto,
      (error: unknown) => {
        if (!(error instanceof BadRequestException)) throw error;
        errors = exceptionMessages(error);
        return null;
      },
    );
    let page: { items: TweetRecord[]; next: string | null } = { items: [], next: null };
    if (query) {
      // The page never shows the raw API object.
      const found = await this.tweets.findTweets({ ...toTweetPageFilter(query), includeRaw: false });
      page = { items: found.items, next: found.next && encodeCursor(found.next) };
    } else {
      void reply.status(400);
    }
    const accounts = await this.accounts.findAccounts({ limit: ACCOUNTS_SHOWN });
    return renderDocument(
      TimelinePage({
        tweets: page.items.map((tweet) => toTweetDto(tweet, this.timeZone)),
        nextCursor: page.next,
        filters,
        errors,
        accounts: accounts.items.map(toAccountDto),
        continued: given.cursor !== undefined,
        clock: this.clock(),
      }),
    );
  }

  @Page('/tweets/:id', { besideJson: true })
  async tweet(@Param() { id }: TweetIdParams) {
    const tweet = await this.tweets.findTweet(id, false);
    if (!tweet) throw new NotFoundException(`tweet ${id} is not stored`);
    const ancestors: TweetRecord[] = [];
    for (let parent = tweet.inReplyToTweetId; parent && ancestors.length < ANCESTORS_SHOWN;) {
      const found = await this.tweets.findTweet(parent, false);
      if (!found) break;
      ancestors.unshift(found);
      parent = found.inReplyToTweetId;
    }
    const [replies, history] = await Promise.all([
      this.tweets.findReplies(id, REPLIES_SHOWN),
      this.tweets.findTweetHistory(id),
    ]);
    const dto = (record: TweetRecord) => toTweetDto(record, this.timeZone);
    return renderDocument(
      TweetPage({
        tweet: dto(tweet),
        ancestors: ancestors.map(dto),
        replies: replies.map(dto),
        history: toTweetHistoryDto(history ?? { metrics: [], versions: [] }),
        clock: this.clock(),
      }),
    );
  }

  @Page('/accounts', { besideJson: true })
  async accountList() {
    const accounts = await this.accounts.findAccounts({ limit: ACCOUNTS_SHOWN });
    return renderDocument(AccountsPage({ accounts: accounts.items.map(toAccountDto), clock: this.clock() }));
  }

  @Page('/@:screenName')
  async account(@Param() { screenName }: ScreenNameParams) {
    const [user, account] = await Promise.all([
      this.tweets.findUserByScreenName(screenName),
      this.accounts.findAccount(screenName),
    ]);
    if (!user && !account) throw new NotFoundException(`@${screenName} is neither stored nor in the list of accounts`);
    const [activity, mostLiked, history, newest] = user
      ? await Promise.all([
          this.tweets.countTweetsByMonth(user.id, this.timeZone),
          this.tweets.findMostLiked(user.id, 5),
          this.tweets.findUserHistory(screenName),
          this.tweets.findTweets({ screenName, limit: 20, includeRaw: false }),
        ])
      : [[], [], null, { items: [], next: null }];
    const dto = (record: TweetRecord) => toTweetDto(record, this.timeZone);
    return renderDocument(
      AccountPage({
        screenName,
        user: user && toUserDto(user, this.timeZone),
        account: account && toAccountDto(account),
        activity,
        mostLiked: mostLiked.map(dto),
        history: history && toUserHistoryDto(history),
        newest: newest.items.map(dto),
        moreTweets: newest.next !== null,
        clock: this.clock(),
      }),
    );
  }

  @Page('/runs')
  async runs() {
    const [runs, accounts] = await Promise.all([
      this.syncs.findRuns(RUNS_SHOWN),
      this.accounts.findAccounts({ limit: ACCOUNTS_SHOWN }),
    ]);
    return renderDocument(
      RunsPage({
        runs: runs.items.map(toSyncRunDto),
        accounts: accounts.items.map(toAccountDto),
        clock: this.clock(),
      }),
    );
  }

  @Page('/schedules', { besideJson: true })
  async scheduleList() {
    const entries = await this.schedules.findAll(this.tasks.names);
    return renderDocument(
      SchedulesPage({
        entries: entries.map((entry) => toScheduleEntryDto(entry, this.timeZone, this.tasks.schedulerEnabled)),
        schedulerEnabled: this.tasks.schedulerEnabled,
        clock: this.clock(),
      }),
    );
  }
}
