import { TweetV1, TwitterApiReadOnly } from 'twitter-api-v2';
import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredTweet, StoredUser } from './fake-x-api.store';
import { clientForFake, getRaw } from './twitter-client.testing';

const TOKEN = 'v1-spec-token';

describe('fake X API v1.1 statuses/user_timeline.json', () => {
  let fake: FakeXApi;
  let store: FakeXApiStore;
  let client: TwitterApiReadOnly;
  let busy: StoredUser;
  /** 250 posts of `busy`, newest first */
  let busyTweets: StoredTweet[];
  let mixed: StoredUser;
  let other: StoredUser;

  const get = (query: string) => getRaw(fake.url, `/1.1/statuses/user_timeline.json?${query}`, TOKEN);
  const statuses = async (query: string): Promise<TweetV1[]> => JSON.parse((await get(query)).text) as TweetV1[];
  const idsOf = (items: TweetV1[]) => items.map((status) => status.id_str);
  const storedIds = (tweets: StoredTweet[]) => tweets.map((tweet) => tweet.id);

  beforeAll(async () => {
    store = new FakeXApiStore();
    busy = store.addUser({ username: 'busy', name: 'Busy Bee' });
    other = store.addUser({ username: 'other_user', name: 'Other' });
    mixed = store.addUser({ username: 'mixed', name: 'Mixed', url: 'https://t.co/profile01' });
    busyTweets = [];
    for (let i = 0; i < 250; i++) {
      busyTweets.unshift(store.addTweet({ authorId: busy.id, text: `post ${i}`, createdAt: minute(i) }));
    }
    fake = await startFakeXApi({ bearerToken: TOKEN, store });
    client = clientForFake(fake.url, TOKEN).readOnly;
  });

  afterAll(() => fake.close());

  it('writes ids as exact JSON numbers next to id_str, escaped like X', async () => {
    const response = await get('screen_name=busy&count=1');
    const [status] = JSON.parse(response.text) as TweetV1[];
    const id = busyTweets[0].id;

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(response.text).toContain(`"id":${id},"id_str":"${id}"`);
    expect(response.text).toContain(`"user":{"id":${busy.id},"id_str":"${busy.id}"`);
    // This is why clients must read id_str: JSON.parse rounds ids beyond 2^53.
    expect(status.id_str).toBe(id);
    expect(String(status.id)).not.toBe(id);
  });

  it('formats created_at like "Wed Oct 10 20:19:24 +0000 2018"', async () => {
    const [status] = await statuses('screen_name=busy&count=1');

    expect(status.created_at).toBe('Thu Jan 02 05:03:00 +0000 2025');
  });

  it('answers 20 statuses by default, at most 200', async () => {
    expect(await statuses('screen_name=busy')).toHaveLength(20);
    expect(await statuses('user_id=' + busy.id + '&count=200')).toHaveLength(200);
    expect(await statuses('screen_name=busy&count=500')).toHaveLength(200);
  });

  it('treats since_id as exclusive and max_id as inclusive', async () => {
    const page = await statuses(`screen_name=busy&since_id=${busyTweets[8].id}&max_id=${busyTweets[3].id}`);

    expect(idsOf(page)).toEqual(storedIds(busyTweets.slice(3, 8)));
  });

  it('pages with max_id through the twitter-api-v2 paginator', async () => {
    fake.clearRequests();
    const paginator = await client.v1.userTimelineByUsername('busy', { count: 100 });
    await paginator.fetchNext(100);

    expect(idsOf(paginator.tweets)).toEqual(storedIds(busyTweets.slice(0, 200)));
    // The library asks for tweet_mode=extended and sends max_id = last id - 1 (computed with BigInt).
    const [first, second] = fake.requests();
    expect(first.query).toEqual({ tweet_mode: 'extended', screen_name: 'busy', count: '100' });
    expect(second.query.max_id).toBe((BigInt(busyTweets[99].id) - 1n).toString());
  });

  describe('content', () => {
    let original: StoredTweet;
    let retweet: StoredTweet;
    let reply: StoredTweet;
    let video: StoredTweet;
    let long: StoredTweet;
    let plain: StoredTweet;

    beforeAll(() => {
      original = store.addTweet({
        authorId: other.id,
        text: `A thought & more ${'y'.repeat(150)}`,
        createdAt: minute(1),
      });
      retweet = store.addTweet({ authorId: mixed.id, retweetOfId: original.id, createdAt: minute(2) });
      reply = store.addTweet({
        authorId: mixed.id,
        text: '@other_user indeed #agreed',
        replyToId: original.id,
        createdAt: minute(3),
      });
      video = store.addTweet({
        authorId: mixed.id,
        text: 'Watch this',
        media: [{ type: 'video', durationMs: 12_000 }],
        createdAt: minute(4),
      });
      long = store.addTweet({ authorId: mixed.id, text: `Longer than 140: ${'z'.repeat(150)}`, createdAt: minute(5) });
      plain = store.addTweet({ authorId: mixed.id, text: 'Tom & Jerry <3 $AAPL', createdAt: minute(6) });
    });

    const byId = (page: TweetV1[], tweet: StoredTweet) => page.find((status) => status.id_str === tweet.id)!;

    it('shows text and truncated in compatibility mode, cutting long posts with a link', async () => {
      const page = await statuses('screen_name=mixed');
      const longStatus = byId(page, long);

      expect(byId(page, plain)).toEqual(
        expect.objectContaining({ text: 'Tom &amp; Jerry &lt;3 $AAPL', truncated: false }),
      );
      expect(byId(page, plain).full_text).toBeUndefined();
      expect(longStatus.truncated).toBe(true);
      expect(Array.from(longStatus.text)).toHaveLength(140);
      expect(longStatus.text).toMatch(/^Longer than 140: z+… https:\/\/t\.co\/\w{10}$/);
      expect(longStatus.entities.urls).toEqual([
        expect.objectContaining({ expanded_url: `https://twitter.com/i/web/status/${long.id}`, indices: [117, 140] }),
      ]);
    });

    it('shows full_text and display_text_range in extended mode', async () => {
      const page = await statuses('screen_name=mixed&tweet_mode=extended');

      expect(byId(page, long)).toEqual(
        expect.objectContaining({ full_text: long.text, truncated: false, display_text_range: [0, 167] }),
      );
      expect(byId(page, long).text).toBeUndefined();
      expect(byId(page, reply).display_text_range).toEqual([12, 26]);
      expect(byId(page, video).display_text_range).toEqual([0, 10]);
    });

    it('embeds the original in retweeted_status and cuts the retweet text at 140', async () => {
      const status = byId(await statuses('screen_name=mixed&tweet_mode=extended'), retweet);

      expect(Array.from(status.full_text!.replace('&amp;', '&'))).toHaveLength(140);
      expect(status.full_text!.endsWith('y…')).toBe(true);
      expect(status.full_text!.startsWith('RT @other_user: A thought &amp; more')).toBe(true);
      expect(status.retweeted_status?.full_text).toBe(`A thought &amp; more ${'y'.repeat(150)}`);
      expect(status.retweeted_status?.user.screen_name).toBe('other_user');
    });

    it('links a reply to its parent', async () => {
      const status = byId(await statuses('screen_name=mixed'), reply);

      expect(status).toEqual(
        expect.objectContaining({
          in_reply_to_status_id_str: original.id,
          in_reply_to_user_id_str: other.id,
          in_reply_to_screen_name: 'other_user',
        }),
      );
      expect(status.entities.user_mentions).toEqual([
        { screen_name: 'other_user', name: 'Other', id: Number(other.id), id_str: other.id, indices: [0, 11] },
      ]);
      expect(status.entities.hashtags).toEqual([{ text: 'agreed', indices: [19, 26] }]);
    });

    it('types a video "photo" in entities and "video" in extended_entities', async () => {
      const status = byId(await statuses('screen_name=mixed&tweet_mode=extended'), video);

      expect(status.entities.media).toEqual([expect.objectContaining({ type: 'photo', indices: [11, 34] })]);
      expect(status.extended_entities?.media).toEqual([
        expect.objectContaining({
          id_str: store.findMedia(video.mediaKeys[0])!.id,
          type: 'video',
          video_info: expect.objectContaining({ aspect_ratio: [16, 9], duration_millis: 12_000 }),
        }),
      ]);
    });

    it('adds ext_alt_text to extended_entities only when asked', async () => {
      const without = byId(await statuses('screen_name=mixed&tweet_mode=extended'), video);
      const withAltText = byId(
        await statuses('screen_name=mixed&tweet_mode=extended&include_ext_alt_text=true'),
        video,
      );

      expect(without.extended_entities?.media?.[0].ext_alt_text).toBeUndefined();
      expect(withAltText.extended_entities?.media?.[0].ext_alt_text).toBeNull();
    });

    it('applies count before dropping retweets and replies, so pages can come back short', async () => {
      const everything = await statuses('screen_name=mixed&count=3');
      const withoutThem = await statuses('screen_name=mixed&count=3&include_rts=false&exclude_replies=true');

      expect(idsOf(everything)).toEqual([plain.id, long.id, video.id]);
      expect(idsOf(await statuses('screen_name=mixed&count=6&include_rts=0&exclude_replies=1'))).toEqual([
        plain.id,
        long.id,
        video.id,
      ]);
      expect(idsOf(withoutThem)).toEqual([plain.id, long.id, video.id]);
      expect(
        idsOf(await statuses(`screen_name=mixed&count=2&max_id=${reply.id}&exclude_replies=true&include_rts=false`)),
      ).toEqual([]);
    });

    it('trims the user to its ids on request', async () => {
      const [status] = await statuses('screen_name=mixed&count=1&trim_user=true');

      expect(status.user).toEqual({ id: Number(mixed.id), id_str: mixed.id });
    });
  });

  describe('unavailable accounts', () => {
    it('answers an unknown screen name with 404 and code 34', async () => {
      const response = await get('screen_name=nobody_here');

      expect(response.status).toBe(404);
      expect(JSON.parse(response.text)).toEqual({
        errors: [{ code: 34, message: 'Sorry, that page does not exist.' }],
      });
    });

    it('answers a protected account with 401 "Not authorized."', async () => {
      store.addUser({ username: 'locked', protected: true });

      const response = await get('screen_name=locked');

      expect(response.status).toBe(401);
      expect(JSON.parse(response.text)).toEqual({
        request: '/1.1/statuses/user_timeline.json',
        error: 'Not authorized.',
      });
    });

    it('answers a suspended account with 403 and code 63', async () => {
      store.addUser({ username: 'banned', suspended: true });

      const response = await get('screen_name=banned');

      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ errors: [{ code: 63, message: 'User has been suspended.' }] });
    });
  });

  it('reaches only the newest 3,200 posts', async () => {
    const prolific = store.addUser({ username: 'prolific' });
    const posts = Array.from({ length: 3205 }, (_, i) =>
      store.addTweet({ authorId: prolific.id, text: `#${i}`, createdAt: minute(i) }),
    );

    const oldestReachable = await statuses(`screen_name=prolific&count=1&max_id=${posts[5].id}`);
    const beyondReach = await statuses(`screen_name=prolific&max_id=${posts[4].id}`);

    expect(idsOf(oldestReachable)).toEqual([posts[5].id]);
    expect(beyondReach).toEqual([]);
  });
});

/** 2025-01-01T00:00Z plus `minutes` * 7 */
function minute(minutes: number): string {
  return new Date(Date.parse('2025-01-01T00:00:00.000Z') + minutes * 7 * 60_000).toISOString();
}
