import type { AccountDto } from '../../accounts/accounts.dto';
import type { TweetDto } from '../../tweets/tweet.dto';
import type { Clock } from './format';
import { Layout } from './layout';
import { TweetCard } from './tweet-card';

/** The timeline's filters as the URL carries them: the query of GET /tweets. */
export interface TimelineFilters {
  q?: string;
  screenName?: string;
  since?: string;
  until?: string;
  include?: string;
}

export function timelineUrl(filters: TimelineFilters, cursor?: string): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, String(value));
  if (cursor) query.set('cursor', cursor);
  const text = query.toString();
  return text ? `/?${text}` : '/';
}

/** `/`: every stored tweet, newest first, 50 a page; app.js loads the next as you scroll and polls for new ones. */
export function TimelinePage(props: {
  tweets: TweetDto[];
  nextCursor: string | null;
  filters: TimelineFilters;
  errors: string[];
  accounts: AccountDto[];
  continued: boolean;
  clock: Clock;
}) {
  const { filters } = props;
  const searching = Object.values(filters).some(Boolean);
  return (
    <Layout title={searching ? 'Search' : 'Timeline'} current="/">
      <h1>{searching ? 'Search the archive' : 'Timeline'}</h1>
      <form class="filters" method="get" action="/" role="search">
        <p>
          <label for="q">Words</label>
          <input id="q" name="q" type="search" value={filters.q ?? ''} placeholder='launch "pad 39A" -rain' />
        </p>
        <p>
          <label for="screenName">Account</label>
          <select id="screenName" name="screenName">
            <option value="">every account</option>
            {props.accounts.map((account) => (
              <option
                key={account.screenName}
                value={account.screenName}
                selected={account.screenName.toLowerCase() === filters.screenName?.toLowerCase()}
              >
                @{account.screenName}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label for="since">From</label>
          <input id="since" name="since" type="date" value={filters.since ?? ''} />
        </p>
        <p>
          <label for="until">Before</label>
          <input id="until" name="until" type="date" value={filters.until ?? ''} />
        </p>
        <p class="check">
          <input
            id="include-deleted"
            name="include"
            type="checkbox"
            value="deleted"
            checked={filters.include === 'deleted'}
          />
          <label for="include-deleted">include deleted</label>
        </p>
        <p>
          <button type="submit">Search</button>
          {searching && <a href="/">Clear</a>}
        </p>
      </form>
      {props.errors.length > 0 && (
        <div class="error" role="alert">
          <p>This search cannot run:</p>
          <ul>
            {props.errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        </div>
      )}
      <p id="new-tweets" class="new-tweets" role="status" hidden></p>
      {props.errors.length === 0 && props.tweets.length === 0 && (
        <p class="empty">{searching ? 'No stored tweet matches.' : 'No tweet is stored yet.'}</p>
      )}
      {props.errors.length === 0 && (
        <ol
          class="timeline"
          id="timeline"
          data-live={props.continued ? undefined : timelineUrl(filters)}
          aria-label="Tweets, newest first"
        >
          {props.tweets.map((tweet) => (
            <li key={tweet.id} data-id={tweet.id}>
              <TweetCard tweet={tweet} clock={props.clock} />
            </li>
          ))}
        </ol>
      )}
      {props.nextCursor && (
        <p class="more">
          <a id="older" rel="next" href={timelineUrl(filters, props.nextCursor)}>
            Older tweets
          </a>
        </p>
      )}
    </Layout>
  );
}
