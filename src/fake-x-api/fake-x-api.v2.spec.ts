import { ApiResponseError, TweetV2, TwitterApiReadOnly } from 'twitter-api-v2';
import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredTweet, StoredUser } from './fake-x-api.store';
import { clientForFake, getRaw } from './twitter-client.testing';

const TOKEN = 'v2-spec-token';
const HOUR = 3_600_000;

describe('fake X API v2', () => {
  let fake: FakeXApi;
  let store: FakeXApiStore;
  let client: TwitterApiReadOnly;
  let pager: StoredUser;
  /** the pager's 25 posts, newest first */
  let pagerTweets: StoredTweet[];
  let other: StoredUser;

  const get = (path: string) => getRaw(fake.url, path, TOKEN);
  const idsOf = (tweets: { id: string }[]) => tweets.map((tweet) => tweet.id);

  beforeAll(async () => {
    store = new FakeXApiStore();
    pager = store.addUser({ username: 'pager', name: 'Pager' });
    other = store.addUser({ username: 'other_user', name: 'Other & Co' });
    pagerTweets = [];
    for (let i = 0; i < 25; i++) {
      pagerTweets.unshift(store.addTweet({ authorId: pager.id, text: `post ${i}`, createdAt: at(i) }));
    }
    fake = await startFakeXApi({ bearerToken: TOKEN, store });
    client = clientForFake(fake.url, TOKEN).readOnly;
  });

  afterAll(() => fake.close());

  describe('GET /2/users/by/username/:username', () => {
    it('answers the default fields only: id, name, username', async () => {
      const response = await get('/2/users/by/username/PAGER');

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(JSON.parse(response.text)).toEqual({ data: { id: pager.id, name: 'Pager', username: 'pager' } });
    });

    it('adds the requested user.fields', async () => {
      const { data } = await client.v2.userByUsername('other_user', {
        'user.fields': ['created_at', 'public_metrics', 'protected', 'description'],
      });

      expect(Object.keys(data).sort()).toEqual(
        ['created_at', 'description', 'id', 'name', 'protected', 'public_metrics', 'username'].sort(),
      );
      expect(data.public_metrics).toEqual(expect.objectContaining({ followers_count: 0, tweet_count: 0 }));
    });

    it('answers an unknown username with 200, errors[] and no data', async () => {
      const response = await get('/2/users/by/username/nobody_here');

      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        errors: [
          {
            value: 'nobody_here',
            detail: 'Could not find user with username: [nobody_here].',
            title: 'Not Found Error',
            resource_type: 'user',
            parameter: 'username',
            resource_id: 'nobody_here',
            type: 'https://api.twitter.com/2/problems/resource-not-found',
          },
        ],
      });
    });

    it('answers a suspended user with 200 and a "Forbidden" error', async () => {
      store.addUser({ username: 'suspended_one', suspended: true });

      const result = await client.v2.userByUsername('suspended_one');

      expect(result.data).toBeUndefined();
      expect(result.errors).toEqual([
        expect.objectContaining({ title: 'Forbidden', detail: 'User has been suspended: [suspended_one].' }),
      ]);
    });

    it('refuses a username that X could not have with a 400 invalid-request problem', async () => {
      const response = await get('/2/users/by/username/much_too_long_username');

      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({
        errors: [
          {
            parameters: { username: ['much_too_long_username'] },
            message:
              'The `username` query parameter value [much_too_long_username] does not match ^[A-Za-z0-9_]{1,15}$',
          },
        ],
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
      });
    });
  });

  describe('GET /2/users/:id/tweets pagination', () => {
    it('answers 10 posts, newest first, with default fields and meta', async () => {
      const response = await get(`/2/users/${pager.id}/tweets`);
      const body = JSON.parse(response.text);

      expect(idsOf(body.data)).toEqual(idsOf(pagerTweets.slice(0, 10)));
      expect(body.data[0]).toEqual({
        id: pagerTweets[0].id,
        text: 'post 24',
        edit_history_tweet_ids: [pagerTweets[0].id],
      });
      expect(Object.keys(body)).toEqual(['data', 'meta']);
      expect(body.meta).toEqual({
        result_count: 10,
        newest_id: pagerTweets[0].id,
        oldest_id: pagerTweets[9].id,
        next_token: expect.stringMatching(/^[0-9a-z]{45}$/),
      });
    });

    it('walks the whole timeline with next_token and comes back with previous_token', async () => {
      const first = await client.v2.userTimeline(pager.id, { max_results: 10 });
      const second = await first.next();
      const third = await second.next();
      const backToFirst = await second.previous();

      expect(idsOf(second.tweets)).toEqual(idsOf(pagerTweets.slice(10, 20)));
      expect(idsOf(third.tweets)).toEqual(idsOf(pagerTweets.slice(20)));
      expect(first.meta.previous_token).toBeUndefined();
      expect(second.meta.previous_token).toBeDefined();
      expect(third.meta.next_token).toBeUndefined();
      expect(third.done).toBe(true);
      expect(idsOf(backToFirst.tweets)).toEqual(idsOf(first.tweets));
    });

    it('collects every page through the paginator', async () => {
      const paginator = await client.v2.userTimeline(pager.id, { max_results: 5 });
      await paginator.fetchLast();

      expect(idsOf(paginator.tweets)).toEqual(idsOf(pagerTweets));
    });

    it('treats since_id and until_id as exclusive bounds', async () => {
      const page = await client.v2.userTimeline(pager.id, { since_id: pagerTweets[5].id, until_id: pagerTweets[1].id });

      expect(idsOf(page.tweets)).toEqual(idsOf(pagerTweets.slice(2, 5)));
    });

    it('includes start_time and excludes end_time', async () => {
      const page = await client.v2.userTimeline(pager.id, {
        start_time: pagerTweets[4].createdAt,
        end_time: pagerTweets[1].createdAt,
      });

      expect(idsOf(page.tweets)).toEqual(idsOf(pagerTweets.slice(2, 5)));
    });

    it('answers an empty page exactly as X does', async () => {
      const response = await get(`/2/users/${pager.id}/tweets?since_id=${pagerTweets[0].id}`);

      expect(response.status).toBe(200);
      expect(response.text).toBe('{"meta":{"result_count":0}}');
    });

    it.each(['4', '101', 'ten'])('refuses max_results=%s with the invalid-request problem', async (value) => {
      const response = await get(`/2/users/${pager.id}/tweets?max_results=${value}`);

      expect(response.status).toBe(400);
      expect(JSON.parse(response.text).errors).toEqual([
        {
          parameters: { max_results: [value] },
          message: `The \`max_results\` query parameter value [${value}] is not between 5 and 100`,
        },
      ]);
    });

    it('refuses a pagination_token it did not hand out', async () => {
      const error = await client.v2
        .userTimeline(pager.id, { pagination_token: 'not-a-token' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ApiResponseError);
      expect((error as ApiResponseError).code).toBe(400);
    });

    it('reaches only the newest 3,200 posts', async () => {
      const prolific = store.addUser({ username: 'prolific' });
      const start = Date.parse('2023-01-01T00:00:00.000Z');
      const posts = Array.from({ length: 3210 }, (_, i) =>
        store.addTweet({ authorId: prolific.id, text: `#${i}`, createdAt: new Date(start + i * 60_000).toISOString() }),
      );

      const paginator = await client.v2.userTimeline(prolific.id, { max_results: 100 });
      await paginator.fetchLast();
      const belowReach = await get(`/2/users/${prolific.id}/tweets?until_id=${posts[10].id}`);

      expect(paginator.tweets).toHaveLength(3200);
      expect(paginator.tweets[3199].id).toBe(posts[10].id);
      expect(belowReach.text).toBe('{"meta":{"result_count":0}}');
    });
  });

  describe('GET /2/users/:id/tweets content', () => {
    let author: StoredUser;
    let original: StoredTweet;
    let retweet: StoredTweet;
    let reply: StoredTweet;
    let quote: StoredTweet;
    let photo: StoredTweet;
    let longPost: StoredTweet;
    let escaped: StoredTweet;
    const longText = `${'Long posts go on and on. '.repeat(13)}The end 🚀`;

    beforeAll(() => {
      author = store.addUser({ username: 'author', name: 'Author' });
      original = store.addTweet({ authorId: other.id, text: `Original ${'x'.repeat(190)}`, createdAt: at(1) });
      retweet = store.addTweet({ authorId: author.id, retweetOfId: original.id, createdAt: at(2) });
      reply = store.addTweet({
        authorId: author.id,
        text: '@other_user agreed',
        replyToId: original.id,
        createdAt: at(3),
      });
      quote = store.addTweet({ authorId: author.id, text: 'Look at this', quoteOfId: original.id, createdAt: at(4) });
      photo = store.addTweet({
        authorId: author.id,
        text: 'Sunset',
        media: [{ type: 'photo', altText: 'Orange sky' }],
        createdAt: at(5),
      });
      longPost = store.addTweet({ authorId: author.id, text: longText, createdAt: at(6) });
      escaped = store.addTweet({ authorId: author.id, text: 'Tom & Jerry <3 "quoted" >_<', createdAt: at(7) });
    });

    const tweetById = (tweets: TweetV2[], id: string) => tweets.find((tweet) => tweet.id === id)!;

    it('HTML-escapes &, < and > in text, and nothing else', async () => {
      const page = await client.v2.userTimeline(author.id);

      expect(tweetById(page.tweets, escaped.id).text).toBe('Tom &amp; Jerry &lt;3 "quoted" &gt;_&lt;');
    });

    it('adds only the requested tweet.fields', async () => {
      const page = await client.v2.userTimeline(author.id, {
        'tweet.fields': ['created_at', 'public_metrics', 'author_id'],
      });

      for (const tweet of page.tweets) {
        expect(Object.keys(tweet).sort()).toEqual(
          ['author_id', 'created_at', 'edit_history_tweet_ids', 'id', 'public_metrics', 'text'].sort(),
        );
      }
      expect(tweetById(page.tweets, escaped.id).created_at).toBe(at(7));
    });

    it('has no includes unless expansions ask for them', async () => {
      const plain = JSON.parse((await get(`/2/users/${author.id}/tweets`)).text);
      const withAuthors = JSON.parse((await get(`/2/users/${author.id}/tweets?expansions=author_id`)).text);

      expect(plain.includes).toBeUndefined();
      expect(withAuthors.includes).toEqual({ users: [{ id: author.id, name: 'Author', username: 'author' }] });
    });

    it('expands referenced tweets, their authors and media', async () => {
      const page = await client.v2.userTimeline(author.id, {
        expansions: [
          'referenced_tweets.id',
          'referenced_tweets.id.author_id',
          'attachments.media_keys',
          'in_reply_to_user_id',
        ],
        'tweet.fields': ['referenced_tweets', 'attachments', 'in_reply_to_user_id'],
        'media.fields': ['url', 'alt_text', 'width', 'height'],
      });

      expect(page.includes.retweet(tweetById(page.tweets, retweet.id))?.id).toBe(original.id);
      expect(page.includes.quote(tweetById(page.tweets, quote.id))?.id).toBe(original.id);
      expect(page.includes.repliedTo(tweetById(page.tweets, reply.id))?.id).toBe(original.id);
      expect(page.includes.repliedToAuthor(tweetById(page.tweets, reply.id))?.username).toBe('other_user');
      expect(page.includes.medias(tweetById(page.tweets, photo.id))).toEqual([
        {
          media_key: photo.mediaKeys[0],
          type: 'photo',
          url: expect.stringMatching(/^https:\/\/pbs\.twimg\.com\/media\/\w+\.jpg$/),
          width: 1200,
          height: 900,
          alt_text: 'Orange sky',
        },
      ]);
      expect(page.includes.users.map((user) => user.username)).toEqual(['other_user']);
    });

    it('cuts a retweet to 140 characters with "…" and keeps the whole original in includes', async () => {
      const page = await client.v2.userTimeline(author.id, { expansions: ['referenced_tweets.id'] });
      const text = tweetById(page.tweets, retweet.id).text;

      expect(text.startsWith('RT @other_user: Original xxx')).toBe(true);
      expect(Array.from(text)).toHaveLength(140);
      expect(text.endsWith('x…')).toBe(true);
      expect(page.includes.tweets[0].text).toBe(original.text);
    });

    it('cuts a long post to 280 characters and gives the whole text in note_tweet when asked', async () => {
      const withoutNote = await client.v2.userTimeline(author.id);
      const withNote = await client.v2.userTimeline(author.id, { 'tweet.fields': ['note_tweet'] });
      const cut = tweetById(withoutNote.tweets, longPost.id);

      expect(Array.from(cut.text)).toHaveLength(280);
      expect(cut.text.endsWith('…')).toBe(true);
      expect(cut.note_tweet).toBeUndefined();
      expect(tweetById(withNote.tweets, longPost.id).note_tweet).toEqual({ text: longText });
      expect(tweetById(withNote.tweets, escaped.id).note_tweet).toBeUndefined();
    });

    it('gives entities with code-point offsets and t.co links', async () => {
      const page = await client.v2.userTimeline(author.id, { 'tweet.fields': ['entities'] });

      expect(tweetById(page.tweets, reply.id).entities).toEqual({
        mentions: [{ start: 0, end: 11, username: 'other_user', id: other.id }],
      });
      expect(tweetById(page.tweets, quote.id).entities?.urls).toEqual([
        {
          start: 13,
          end: 36,
          url: expect.stringMatching(/^https:\/\/t\.co\/\w{10}$/),
          expanded_url: `https://twitter.com/other_user/status/${original.id}`,
          display_url: expect.stringMatching(/^twitter\.com\/other_user\/st.*…$/),
        },
      ]);
    });

    it('leaves out replies and retweets on request', async () => {
      const page = await client.v2.userTimeline(author.id, { exclude: ['replies', 'retweets'] });

      expect(idsOf(page.tweets)).toEqual([escaped.id, longPost.id, photo.id, quote.id]);
    });

    it('answers a protected timeline with 200 and only an authorization error', async () => {
      const secretive = store.addUser({ username: 'secretive', protected: true });
      store.addTweet({ authorId: secretive.id, text: 'secret', createdAt: at(1) });

      const response = await get(`/2/users/${secretive.id}/tweets`);
      const paginator = await client.v2.userTimeline(secretive.id);

      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        errors: [
          {
            value: secretive.id,
            parameter: 'id',
            resource_type: 'user',
            section: 'data',
            title: 'Authorization Error',
            detail: `Sorry, you are not authorized to see the user with id: [${secretive.id}].`,
            type: 'https://api.twitter.com/2/problems/not-authorized-for-resource',
          },
        ],
      });
      expect(paginator.tweets).toEqual([]);
      expect(paginator.errors).toHaveLength(1);
      await expect(paginator.fetchNext()).rejects.toThrow('Unable to use this paginator');
    });

    it('answers the timeline of an unknown id with a not-found error', async () => {
      const result = await client.v2.userTimeline('12345');

      expect(result.errors).toEqual([
        expect.objectContaining({ title: 'Not Found Error', detail: 'Could not find user with id: [12345].' }),
      ]);
    });
  });

  describe('changes to the data', () => {
    let writer: StoredUser;
    let writers = 0;

    beforeEach(() => {
      writer = store.addUser({ username: `writer_${++writers}` });
    });

    it('shows a newly posted tweet on top', async () => {
      store.addTweet({ authorId: writer.id, text: 'older', createdAt: at(1) });
      const posted = store.postTweet(writer.id, 'just now');

      const page = await client.v2.userTimeline(writer.id);

      expect(page.tweets[0]).toEqual({ id: posted.id, text: 'just now', edit_history_tweet_ids: [posted.id] });
    });

    it('edits like X: a new id, the history oldest first, only the newest version listed', async () => {
      const first = store.addTweet({ authorId: writer.id, text: 'tpyo', createdAt: at(1) });
      const edited = store.editTweet(first.id, 'typo fixed', at(1.2));

      const page = await client.v2.userTimeline(writer.id, {
        expansions: ['edit_history_tweet_ids'],
        'tweet.fields': ['edit_controls', 'created_at'],
      });

      expect(BigInt(edited.id)).toBeGreaterThan(BigInt(first.id));
      expect(idsOf(page.tweets)).toEqual([edited.id]);
      expect(page.tweets[0]).toEqual(
        expect.objectContaining({
          text: 'typo fixed',
          edit_history_tweet_ids: [first.id, edited.id],
          created_at: at(1.2),
          edit_controls: { edits_remaining: 4, is_edit_eligible: true, editable_until: '2024-01-01T02:00:00.000Z' },
        }),
      );
      expect(page.includes.tweets.map((tweet) => [tweet.id, tweet.text, tweet.edit_history_tweet_ids])).toEqual([
        [first.id, 'tpyo', [first.id, edited.id]],
        [edited.id, 'typo fixed', [first.id, edited.id]],
      ]);
    });

    it('shows changed metrics', async () => {
      const tweet = store.addTweet({ authorId: writer.id, text: 'popular', createdAt: at(1) });
      store.setMetrics(tweet.id, { like_count: 42, retweet_count: 7 });

      const page = await client.v2.userTimeline(writer.id, { 'tweet.fields': ['public_metrics'] });

      expect(page.tweets[0].public_metrics).toEqual({
        retweet_count: 7,
        reply_count: 0,
        like_count: 42,
        quote_count: 0,
        bookmark_count: 0,
        impression_count: 0,
      });
    });

    it('answers for a user suspended after it was looked up', async () => {
      store.addTweet({ authorId: writer.id, text: 'before the ban', createdAt: at(1) });
      const before = await client.v2.userTimeline(writer.id);
      store.updateUser(writer.id, { suspended: true });

      const after = await client.v2.userTimeline(writer.id);

      expect(before.tweets).toHaveLength(1);
      expect(after.tweets).toEqual([]);
      expect(after.errors).toEqual([expect.objectContaining({ title: 'Forbidden', resource_id: writer.id })]);
    });

    it('drops a deleted tweet, its retweets, and reports it missing where it is referenced', async () => {
      const doomed = store.addTweet({ authorId: other.id, text: 'soon gone', createdAt: at(1) });
      store.addTweet({ authorId: writer.id, retweetOfId: doomed.id, createdAt: at(2) });
      const quote = store.addTweet({ authorId: writer.id, text: 'quoting', quoteOfId: doomed.id, createdAt: at(3) });
      store.deleteTweet(doomed.id);

      const page = await client.v2.userTimeline(writer.id, { expansions: ['referenced_tweets.id'] });

      expect(idsOf(page.tweets)).toEqual([quote.id]);
      expect(page.includes.tweets).toEqual([]);
      expect(page.errors).toEqual([
        expect.objectContaining({
          title: 'Not Found Error',
          resource_id: doomed.id,
          parameter: 'referenced_tweets.id',
        }),
      ]);
    });
  });
});

/** 2024-01-01T00:00Z plus `hours` */
function at(hours: number): string {
  return new Date(Date.parse('2024-01-01T00:00:00.000Z') + hours * HOUR).toISOString();
}
