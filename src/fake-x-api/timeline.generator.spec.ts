import { FakeXApiStore, StoredTweet, TIMELINE_REACH } from './fake-x-api.store';
import { generateTimeline, seedDemoAccounts } from './timeline.generator';
import { snowflakeTime } from './tweet-text';

describe('generateTimeline', () => {
  const generate = (seed: number, count = 300) => {
    const store = new FakeXApiStore();
    const user = store.addUser({ username: 'generated' });
    return { store, tweets: generateTimeline(store, user.id, { seed, count }) };
  };
  const fingerprint = (tweets: StoredTweet[]) => tweets.map((tweet) => `${tweet.id} ${tweet.text}`);

  it('gives the same posts for the same seed and others for another seed', () => {
    expect(fingerprint(generate(7).tweets)).toEqual(fingerprint(generate(7).tweets));
    expect(fingerprint(generate(8).tweets)).not.toEqual(fingerprint(generate(7).tweets));
  });

  it('makes snowflake ids from created_at, above 2^53 and increasing with time', () => {
    const { tweets } = generate(3);

    for (const [index, tweet] of tweets.entries()) {
      expect(typeof tweet.id).toBe('string');
      expect(BigInt(tweet.id)).toBeGreaterThan(2n ** 53n);
      expect(snowflakeTime(tweet.id)).toBe(Date.parse(tweet.createdAt));
      if (index > 0) expect(BigInt(tweet.id)).toBeGreaterThan(BigInt(tweets[index - 1].id));
    }
  });

  it('mixes the kinds of posts a real timeline has', () => {
    const { store, tweets } = generate(5);
    const count = (predicate: (tweet: StoredTweet) => boolean) => tweets.filter(predicate).length;
    const mediaTypes = tweets.flatMap((tweet) => tweet.mediaKeys.map((key) => store.findMedia(key)!.type));

    expect(count((tweet) => tweet.references.some((ref) => ref.type === 'retweeted'))).toBeGreaterThan(10);
    expect(count((tweet) => tweet.references.some((ref) => ref.type === 'quoted'))).toBeGreaterThan(5);
    expect(
      count((tweet) => tweet.inReplyToUserId !== undefined && tweet.inReplyToUserId !== tweet.authorId),
    ).toBeGreaterThan(5);
    expect(count((tweet) => tweet.inReplyToUserId === tweet.authorId)).toBeGreaterThan(2);
    expect(count((tweet) => Array.from(tweet.text).length > 280)).toBeGreaterThan(5);
    expect(new Set(mediaTypes)).toEqual(new Set(['photo', 'video']));
    expect(count((tweet) => /\p{Extended_Pictographic}/u.test(tweet.text))).toBeGreaterThan(20);
    expect(count((tweet) => /[\u3040-\u30ff\uac00-\ud7af\u4e00-\u9fff]/.test(tweet.text))).toBeGreaterThan(10);
    expect(count((tweet) => /[&<>]/.test(tweet.text))).toBeGreaterThan(10);
    expect(new Set(tweets.map((tweet) => tweet.lang))).toEqual(new Set(['en', 'ja', 'ko', 'zh']));
  });

  it('seeds the demo accounts: normal, past the 3,200 reach, protected, suspended', () => {
    const store = new FakeXApiStore();

    const [normal, long, locked, banned] = seedDemoAccounts(store);

    expect(store.timeline(normal.id).length).toBe(150);
    expect(long.metrics.tweet_count).toBe(3300);
    expect(store.timeline(long.id).length).toBe(TIMELINE_REACH);
    expect([locked.protected, banned.suspended]).toEqual([true, true]);
  });
});
