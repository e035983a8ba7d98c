import type { AccountDto } from '../../accounts/accounts.dto';
import type { UserHistoryDto } from '../../tweets/history.dto';
import type { TweetDto } from '../../tweets/tweet.dto';
import type { TweetsInMonth } from '../../tweets/tweets.repository';
import type { UserDto } from '../../tweets/user.dto';
import { AccountActions } from './accounts.page';
import { Chart } from './chart';
import { Clock, formatCount, localTime } from './format';
import { Layout } from './layout';
import { timelineUrl } from './timeline.page';
import { TweetCard } from './tweet-card';

const KINDS = ['originals', 'replies', 'retweets', 'quotes'] as const;

/** `/@:screenName`: the profile, its posting over time, its most-liked tweets, followers over time, its newest tweets. */
export function AccountPage(props: {
  screenName: string;
  user: UserDto | null;
  account: AccountDto | null;
  activity: TweetsInMonth[];
  mostLiked: TweetDto[];
  history: UserHistoryDto | null;
  newest: TweetDto[];
  moreTweets: boolean;
  clock: Clock;
}) {
  const { user, account, clock } = props;
  const handle = user?.screenName ?? account?.screenName ?? props.screenName;
  return (
    <Layout title={user ? `${user.name} (@${handle})` : `@${handle}`} current="/accounts">
      <section class="profile" aria-labelledby="profile-name">
        {user?.profileImageUrl && /^https:\/\//.test(user.profileImageUrl) && (
          <img class="avatar large" src={user.profileImageUrl} alt="" width={96} height={96} />
        )}
        <h1 id="profile-name">
          {user?.name ?? `@${handle}`} <span class="handle">@{handle}</span>
          {user?.verified && <span class="badge">verified</span>}
        </h1>
        {user?.description && (
          <p class="bio" dir="auto">
            {user.description}
          </p>
        )}
        {user && (
          <dl class="counts">
            <div>
              <dt>Followers</dt>
              <dd>{formatCount(user.metrics.followersCount)}</dd>
            </div>
            <div>
              <dt>Following</dt>
              <dd>{formatCount(user.metrics.followingCount)}</dd>
            </div>
            <div>
              <dt>Tweets on X</dt>
              <dd>{formatCount(user.metrics.tweetCount)}</dd>
            </div>
            {account && (
              <div>
                <dt>Stored</dt>
                <dd>{formatCount(account.storedTweets)}</dd>
              </div>
            )}
            <div>
              <dt>Joined</dt>
              <dd>{localTime(user.createdAt, clock)}</dd>
            </div>
          </dl>
        )}
        {account ? (
          <p class="sync-state">
            Sync: <strong class="enabled">{account.enabled ? 'active' : 'paused'}</strong>, status {account.status},
            last success {account.lastSucceededAt ? localTime(account.lastSucceededAt, clock) : 'never'}
            {account.lastError && <span class="error-text"> · last error: {account.lastError}</span>}
          </p>
        ) : (
          <p class="sync-state">
            Not in the list of accounts to sync: its tweets are stored as others referenced them.
          </p>
        )}
        {account && <AccountActions account={account} />}
      </section>

      <section aria-labelledby="activity">
        <h2 id="activity">Posting activity</h2>
        <Chart
          id="activity-chart"
          title="Tweets stored per month: originals, replies, retweets, quotes"
          kind="bars"
          columns={['month', ...KINDS]}
          rows={props.activity.map((month, index) => ({
            x: index,
            label: month.month,
            values: KINDS.map((kind) => month[kind]),
          }))}
        />
      </section>

      <section aria-labelledby="followers">
        <h2 id="followers">Followers over time</h2>
        <Chart
          id="followers-chart"
          title="Followers as each sync saw them"
          kind="line"
          columns={['observed', 'followers']}
          rows={(props.history?.metrics ?? [])
            .filter((observation) => observation.followersCount !== null)
            .map((observation) => ({
              x: Date.parse(observation.observedAt) / 1000,
              label: localTime(observation.observedAt, clock),
              values: [observation.followersCount],
            }))}
        />
      </section>

      <section aria-labelledby="most-liked">
        <h2 id="most-liked">Most liked</h2>
        {props.mostLiked.length === 0 ? (
          <p class="empty">No stored tweet with likes.</p>
        ) : (
          <ol class="timeline compact">
            {props.mostLiked.map((tweet) => (
              <li key={tweet.id} data-id={tweet.id}>
                <TweetCard tweet={tweet} clock={clock} />
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="newest">
        <h2 id="newest">Newest tweets</h2>
        {props.newest.length === 0 ? (
          <p class="empty">No tweet of this account is stored.</p>
        ) : (
          <ol class="timeline">
            {props.newest.map((tweet) => (
              <li key={tweet.id} data-id={tweet.id}>
                <TweetCard tweet={tweet} clock={clock} />
              </li>
            ))}
          </ol>
        )}
        {props.moreTweets && (
          <p class="more">
            <a href={timelineUrl({ screenName: handle })}>Every tweet of @{handle}</a>
          </p>
        )}
      </section>
    </Layout>
  );
}
