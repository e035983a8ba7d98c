import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredTweet, StoredUser } from './fake-x-api.store';
import { getRaw } from './twitter-client.testing';

const TOKEN = 'lookup-spec-token';

describe('fake X API GET /2/tweets?ids=', () => {
  let fake: FakeXApi;
  let store: FakeXApiStore;
  let author: StoredUser;
  let kept: StoredTweet;
  let gone: StoredTweet;

  const get = async (query: string) => {
    const response = await getRaw(fake.url, `/2/tweets?${query}`, TOKEN);
    return { status: response.status, body: JSON.parse(response.text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    store = new FakeXApiStore();
    author = store.addUser({ username: 'looked_up' });
    kept = store.addTweet({ authorId: author.id, text: 'still here', metrics: { like_count: 4 } });
    gone = store.addTweet({ authorId: author.id, text: 'soon gone' });
    store.deleteTweet(gone.id);
    fake = await startFakeXApi({ bearerToken: TOKEN, store });
  });

  afterAll(() => fake.close());

  it('answers found posts in data and deleted or unknown ones as not-found errors', async () => {
    const { status, body } = await get(`ids=${kept.id},${gone.id},1&tweet.fields=public_metrics`);

    expect(status).toBe(200);
    expect(body.data).toEqual([
      expect.objectContaining({
        id: kept.id,
        text: 'still here',
        public_metrics: expect.objectContaining({ like_count: 4 }),
      }),
    ]);
    expect(body.errors).toEqual(
      [gone.id, '1'].map((id) => ({
        value: id,
        detail: `Could not find tweet with ids: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'tweet',
        parameter: 'ids',
        resource_id: id,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      })),
    );
  });

  it('answers only errors when nothing is found, and the post again once restored', async () => {
    expect((await get(`ids=${gone.id}`)).body).not.toHaveProperty('data');

    store.restoreTweet(gone.id);
    const { body } = await get(`ids=${gone.id}`);
    store.deleteTweet(gone.id);

    expect(body).toEqual({ data: [expect.objectContaining({ id: gone.id })] });
  });

  it('expands the author as the timeline does', async () => {
    const { body } = await get(`ids=${kept.id}&expansions=author_id`);

    expect(body.includes).toEqual({ users: [expect.objectContaining({ id: author.id, username: 'looked_up' })] });
  });

  it('refuses no ids, more than 100 ids, malformed ids and unknown fields with the invalid-request problem', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => String(i + 1)).join(',');
    for (const query of ['', `ids=${tooMany}`, 'ids=12,abc', `ids=${kept.id}&tweet.fields=nope`]) {
      const { status, body } = await get(query);
      expect(status).toBe(400);
      expect(body.type).toBe('https://api.twitter.com/2/problems/invalid-request');
    }
  });

  it('counts the posts it delivered, and is closed by the monthly cap like the timelines', async () => {
    fake.resetPostsServed();
    await get(`ids=${kept.id},${gone.id}`);
    expect(fake.postsServed()).toBe(1);

    fake.setMonthlyPostCap(1);
    const { status, body } = await get(`ids=${kept.id}`);
    fake.setMonthlyPostCap(null);

    expect(status).toBe(429);
    expect(body.title).toBe('UsageCapExceeded');
    expect(fake.requests().at(-1)).toEqual(expect.objectContaining({ endpoint: 'tweetsLookup', status: 429 }));
  });
});
