import { FakeXApiStore, NewTweet, StoredTweet, StoredUser } from './fake-x-api.store';

export interface GenerateTimelineOptions {
  /** the same seed (and store contents) gives the same posts */
  seed: number;
  count: number;
  /** date of the newest post; default 2024-06-01T12:00:00.000Z so that runs are reproducible */
  newestAt?: string;
}

const PHRASES = [
  'Shipping the new timeline sync today 🚀',
  'Benchmarks say 3 < 5 && 8 > 5, as expected',
  'Tom & Jerry marathon tonight 🍿',
  '日本語のテキストも大丈夫です #テスト',
  '한국어 트윗도 잘 보입니다 ✨',
  '中文内容测试，一切正常',
  'Watching $TSLA and $AAPL before the open',
  'New post on the blog: https://example.com/blog/timeline-sync',
  '"Quotes" and \'apostrophes\' are not escaped',
  'Family 👨‍👩‍👧‍👦 and flags 🇫🇷🇯🇵 are one character each',
  'A thread about PostgreSQL upserts 🧵 #postgres',
  'Coffee first ☕ then code',
  'Docs: https://developer.x.com/en/docs/x-api',
  'Ünïcödé áccents everywhere',
  'Retro <blink> tags & other HTML relics',
  'Weekend hike 🏔️ #outdoors',
];

const COMPANIONS = [
  { username: 'news_wire', name: 'News Wire 📰', verified: true, verifiedType: 'business' as const },
  { username: 'tokyo_dev', name: '東京デベロッパー' },
  { username: 'jane_doe', name: 'Jane & Co <dev>' },
  { username: 'seoul_bytes', name: '서울 바이트' },
];

/** A small deterministic generator (mulberry32), enough for test data. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Adds `count` posts to a user's timeline, oldest first: plain posts, replies, retweets, quotes,
 * photos, videos, long posts, with emoji, CJK and HTML special characters. The posts that are
 * replied to, retweeted or quoted are added to companion accounts just before.
 */
export function generateTimeline(
  store: FakeXApiStore,
  userId: string,
  options: GenerateTimelineOptions,
): StoredTweet[] {
  const random = randomSource(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const user = store.requireUser(userId);
  const companions = COMPANIONS.map(
    (companion) => store.findUserByUsername(companion.username) ?? store.addUser(companion),
  );

  // Walk back from the newest post with gaps of a minute to ten hours, then create oldest first.
  const times: number[] = [];
  let time = Date.parse(options.newestAt ?? '2024-06-01T12:00:00.000Z');
  for (let i = 0; i < options.count; i++) {
    times.unshift(time);
    time -= between(60_000, 10 * 3_600_000);
  }

  const sentence = () => `${pick(PHRASES)}${random() < 0.3 ? ` ${pick(PHRASES)}` : ''}`;
  const metrics = () => ({
    like_count: between(0, 500),
    retweet_count: between(0, 60),
    reply_count: between(0, 20),
    quote_count: between(0, 5),
    bookmark_count: between(0, 10),
    impression_count: between(100, 20_000),
  });
  const companionPost = (at: number, author: StoredUser = pick(companions)) =>
    store.addTweet({
      authorId: author.id,
      text: sentence(),
      createdAt: iso(at - between(60_000, 3_600_000)),
      metrics: metrics(),
    });

  const created: StoredTweet[] = [];
  for (const at of times) {
    const base: NewTweet = { authorId: user.id, createdAt: iso(at), metrics: metrics() };
    const roll = random();
    let tweet: StoredTweet;
    if (roll < 0.12) {
      tweet = store.addTweet({ ...base, retweetOfId: companionPost(at).id, metrics: undefined });
    } else if (roll < 0.2) {
      const parent = companionPost(at);
      const parentAuthor = store.requireUser(parent.authorId);
      tweet = store.addTweet({ ...base, text: `@${parentAuthor.username} ${sentence()}`, replyToId: parent.id });
    } else if (roll < 0.25 && created.length) {
      // A thread: replying to oneself adds no @mention.
      tweet = store.addTweet({ ...base, text: `${sentence()} 🧵`, replyToId: created[created.length - 1].id });
    } else if (roll < 0.31) {
      tweet = store.addTweet({ ...base, text: sentence(), quoteOfId: companionPost(at).id });
    } else if (roll < 0.39) {
      tweet = store.addTweet({ ...base, text: sentence(), media: [{ type: 'photo', altText: 'A generated photo' }] });
    } else if (roll < 0.43) {
      tweet = store.addTweet({
        ...base,
        text: sentence(),
        media: [{ type: 'video', durationMs: between(5_000, 120_000), viewCount: between(10, 90_000) }],
      });
    } else if (roll < 0.48) {
      let text = 'A long post:';
      while (text.length < 320) text += ` ${pick(PHRASES)}`;
      tweet = store.addTweet({ ...base, text });
    } else {
      tweet = store.addTweet({ ...base, text: sentence() });
    }
    created.push(tweet);
  }
  return created;
}

/** The demo accounts of the standalone server: a normal one, one past the 3,200 reach, a protected one, a suspended one. */
export function seedDemoAccounts(store: FakeXApiStore, seed = 42): StoredUser[] {
  const accounts = [
    { user: { username: 'sync_target', name: 'Sync Target 🚀', description: 'Demo account & <fixture>' }, posts: 150 },
    { user: { username: 'long_history', name: 'Long History' }, posts: 3300 },
    { user: { username: 'private_account', name: 'Private', protected: true }, posts: 20 },
    { user: { username: 'banned_account', name: 'Banned', suspended: true }, posts: 5 },
  ];
  return accounts.map(({ user, posts }, index) => {
    const stored =
      store.findUserByUsername(user.username) ?? store.addUser({ ...user, metrics: { followers_count: 1200 } });
    generateTimeline(store, stored.id, { seed: seed + index, count: posts });
    return stored;
  });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
