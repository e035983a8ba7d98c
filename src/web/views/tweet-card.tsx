import type { ReferencedTweetDto, TweetDto } from '../../tweets/tweet.dto';
import { tweetTextSegments } from '../tweet-text';
import { Clock, compactCount, localTime, relativeTime } from './format';

interface Media {
  type?: string;
  url?: string;
  preview_image_url?: string;
  alt_text?: string;
  variants?: { content_type?: string; url?: string; bit_rate?: number }[];
}

const isWebUrl = (url: string | undefined): url is string => !!url && /^https:\/\//i.test(url);

/** The best MP4 of a video or GIF, or its picture: what a thumbnail links to. */
function mediaTarget(media: Media): string | undefined {
  const mp4 = (media.variants ?? [])
    .filter((variant) => variant.content_type === 'video/mp4' && isWebUrl(variant.url))
    .sort((a, b) => (b.bit_rate ?? 0) - (a.bit_rate ?? 0))[0];
  return mp4?.url ?? media.url ?? media.preview_image_url;
}

export function TweetText({ tweet }: { tweet: Pick<TweetDto, 'text' | 'entities'> }) {
  return (
    <p class="text" dir="auto">
      {tweetTextSegments(tweet.text, tweet.entities).map((segment, index) =>
        segment.kind === 'text' ? (
          segment.text
        ) : (
          <a
            key={index}
            class={segment.kind}
            href={segment.href}
            title={segment.kind === 'url' ? segment.href : undefined}
            rel={segment.kind === 'url' ? 'noopener noreferrer nofollow' : undefined}
          >
            {segment.text}
          </a>
        ),
      )}
    </p>
  );
}

function MediaList({ media }: { media: Media[] }) {
  const shown = media.filter((item) => isWebUrl(item.url ?? item.preview_image_url));
  if (shown.length === 0) return null;
  return (
    <ul class="media">
      {shown.map((item, index) => {
        const target = mediaTarget(item);
        const label = item.type === 'photo' ? 'photo' : item.type === 'animated_gif' ? 'GIF' : 'video';
        return (
          <li key={index} class={`media-${label.toLowerCase()}`}>
            <a href={isWebUrl(target) ? target : undefined} rel="noopener noreferrer">
              <img src={item.url ?? item.preview_image_url} alt={item.alt_text || label} loading="lazy" />
              {label !== 'photo' && <span class="badge">{label}</span>}
            </a>
          </li>
        );
      })}
    </ul>
  );
}

/** A referenced tweet inside another: its text when stored, a link to it either way. */
function Referenced({ reference, label }: { reference: ReferencedTweetDto; label: string }) {
  return (
    <blockquote class="referenced" aria-label={label}>
      {reference.author && reference.text !== null ? (
        <>
          <p class="byline">
            <strong>{reference.author.name}</strong>
            {reference.author.screenName && <span class="handle"> @{reference.author.screenName}</span>}
          </p>
          <p class="text" dir="auto">
            {reference.text}
          </p>
          <a href={`/tweets/${reference.id}`}>Open this tweet</a>
        </>
      ) : (
        <p>
          Not stored: <a href={`https://x.com/i/web/status/${reference.id}`}>see it on x.com</a>
        </p>
      )}
    </blockquote>
  );
}

/** A tweet as people know it, in the timeline and on its own page. */
export function TweetCard({ tweet, clock, focus = false }: { tweet: TweetDto; clock: Clock; focus?: boolean }) {
  const retweeted = tweet.referencedTweets.find((ref) => ref.type === 'retweeted');
  const quoted = tweet.referencedTweets.find((ref) => ref.type === 'quoted');
  const repliedTo = tweet.referencedTweets.find((ref) => ref.type === 'replied_to');
  const edited = tweet.editHistoryTweetIds.length > 1;
  const handle = tweet.author.screenName;
  const m = tweet.metrics;
  return (
    <article
      class={`tweet${focus ? ' focus' : ''}${tweet.deletedAt ? ' deleted' : ''}`}
      data-id={tweet.id}
      aria-label={`Tweet by ${tweet.author.name}`}
    >
      <header>
        {isWebUrl(tweet.author.profileImageUrl ?? undefined) ? (
          <img class="avatar" src={tweet.author.profileImageUrl!} alt="" width={48} height={48} loading="lazy" />
        ) : (
          <span class="avatar" aria-hidden="true">
            {tweet.author.name.slice(0, 1)}
          </span>
        )}
        <p class="byline">
          {handle ? (
            <a href={`/@${handle}`}>
              <strong>{tweet.author.name}</strong> <span class="handle">@{handle}</span>
            </a>
          ) : (
            <strong>{tweet.author.name}</strong>
          )}
          {' · '}
          <a href={`/tweets/${tweet.id}`} class="permalink">
            <time datetime={tweet.createdAt} title={localTime(tweet.createdAt, clock)}>
              {focus ? localTime(tweet.createdAt, clock) : relativeTime(tweet.createdAt, clock)}
            </time>
          </a>
          {edited && <span class="badge">edited</span>}
          {tweet.deletedAt && (
            <span class="badge badge-deleted" title={`gone from X since ${localTime(tweet.deletedAt, clock)}`}>
              deleted
            </span>
          )}
        </p>
      </header>
      {repliedTo &&
        (repliedTo.text !== null && !focus ? (
          <Referenced reference={repliedTo} label="Replied-to tweet" />
        ) : (
          <p class="context">
            Replying to{' '}
            <a
              href={repliedTo.text !== null ? `/tweets/${repliedTo.id}` : `https://x.com/i/web/status/${repliedTo.id}`}
            >
              {repliedTo.author?.screenName ? `@${repliedTo.author.screenName}` : 'a tweet'}
            </a>
          </p>
        ))}
      {retweeted ? (
        <>
          <p class="context">Retweeted</p>
          <Referenced reference={retweeted} label="Retweeted tweet" />
        </>
      ) : (
        <TweetText tweet={tweet} />
      )}
      <MediaList media={tweet.media} />
      {quoted && <Referenced reference={quoted} label="Quoted tweet" />}
      <footer>
        <ul class="metrics" aria-label="Metrics">
          <li>{compactCount(m.replyCount)} replies</li>
          <li>{compactCount(m.retweetCount)} retweets</li>
          <li>{compactCount(m.likeCount)} likes</li>
          <li>{compactCount(m.quoteCount)} quotes</li>
          {m.impressionCount !== null && <li>{compactCount(m.impressionCount)} views</li>}
        </ul>
        <a href={tweet.url} class="on-x" rel="noopener noreferrer">
          on x.com
        </a>
      </footer>
    </article>
  );
}
