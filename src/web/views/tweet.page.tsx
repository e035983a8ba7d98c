import type { TweetHistoryDto } from '../../tweets/history.dto';
import type { TweetDto } from '../../tweets/tweet.dto';
import { Chart } from './chart';
import { Clock, localTime } from './format';
import { Layout } from './layout';
import { TweetCard } from './tweet-card';

const METRICS = [
  ['likes', 'likeCount'],
  ['retweets', 'retweetCount'],
  ['replies', 'replyCount'],
  ['quotes', 'quoteCount'],
] as const;

/** `/tweets/:id`: the tweet in its conversation, its edits and its metrics over time. */
export function TweetPage(props: {
  tweet: TweetDto;
  ancestors: TweetDto[];
  replies: TweetDto[];
  history: TweetHistoryDto;
  clock: Clock;
}) {
  const { tweet, clock } = props;
  const observations = props.history.metrics;
  return (
    <Layout title={`${tweet.author.name}: “${Array.from(tweet.text).slice(0, 40).join('')}”`} current="">
      <h1>Tweet by {tweet.author.name}</h1>
      <section aria-labelledby="conversation">
        <h2 id="conversation" class="visually-hidden">
          Conversation
        </h2>
        {props.ancestors.length > 0 && (
          <ol class="thread" aria-label="Replied to">
            {props.ancestors.map((ancestor) => (
              <li key={ancestor.id} data-id={ancestor.id}>
                <TweetCard tweet={ancestor} clock={clock} />
              </li>
            ))}
          </ol>
        )}
        <TweetCard tweet={tweet} clock={clock} focus />
        <h2 id="replies">Replies stored</h2>
        {props.replies.length === 0 ? (
          <p class="empty">No reply to this tweet is stored.</p>
        ) : (
          <ol class="thread replies" aria-labelledby="replies">
            {props.replies.map((reply) => (
              <li key={reply.id} data-id={reply.id}>
                <TweetCard tweet={reply} clock={clock} />
              </li>
            ))}
          </ol>
        )}
      </section>
      {props.history.versions.length > 1 && (
        <section aria-labelledby="versions">
          <h2 id="versions">Edit versions</h2>
          <ol class="versions">
            {props.history.versions.map((version) => (
              <li key={version.id}>
                <p>
                  <time datetime={version.createdAt}>{localTime(version.createdAt, clock)}</time>
                  {version.id === tweet.id && <span class="badge">this version</span>}
                </p>
                <p class="text" dir="auto">
                  {version.text}
                </p>
              </li>
            ))}
          </ol>
        </section>
      )}
      <section aria-labelledby="metrics-over-time">
        <h2 id="metrics-over-time">Metrics over time</h2>
        <Chart
          id="tweet-metrics"
          title="Likes, retweets, replies and quotes as each sync saw them"
          kind="line"
          columns={['observed', ...METRICS.map(([label]) => label)]}
          rows={observations.map((observation) => ({
            x: Date.parse(observation.observedAt) / 1000,
            label: localTime(observation.observedAt, clock),
            values: METRICS.map(([, key]) => observation[key]),
          }))}
        />
      </section>
    </Layout>
  );
}
