import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredUser } from './fake-x-api.store';
import { getRaw } from './twitter-client.testing';
import { generateTimeline } from './timeline.generator';

// Real captures (with their provenance in samples/index.json) and X's OpenAPI spec, kept as fixtures.
const X_API_DIR = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'x-api');
const SAMPLES_DIR = path.join(X_API_DIR, 'samples');
const TOKEN = 'samples-spec-token';

type Json = Record<string, any>;

function readSample(file: string): any {
  return JSON.parse(readFileSync(path.join(SAMPLES_DIR, file), 'utf8'));
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Compares the fake's objects with real ones: every key the real objects always have is there,
 * every key the fake sends was seen in a capture (or, for fields added since the captures, is in
 * the official OpenAPI spec), and each key has a JSON type the captures have.
 */
function expectSameShape(label: string, fakeItems: Json[], realItems: Json[], documentedKeys: string[] = []): void {
  expect({ label, fake: fakeItems.length > 0, real: realItems.length > 0 }).toEqual({ label, fake: true, real: true });
  const realTypes = new Map<string, Set<string>>();
  for (const item of realItems) {
    for (const [key, value] of Object.entries(item)) {
      realTypes.set(key, (realTypes.get(key) ?? new Set()).add(jsonType(value)));
    }
  }
  const alwaysThere = [...realTypes.keys()].filter((key) => realItems.every((item) => key in item));
  const problems = new Set<string>();
  for (const item of fakeItems) {
    for (const key of alwaysThere.filter((candidate) => !(candidate in item))) problems.add(`${label}: no ${key}`);
    for (const [key, value] of Object.entries(item)) {
      const types = realTypes.get(key);
      if (!types && !documentedKeys.includes(key))
        problems.add(`${label}: ${key} is in no capture and not in the spec`);
      if (types && !types.has(jsonType(value)))
        problems.add(`${label}.${key}: ${jsonType(value)}, captures have ${[...types].join(', ')}`);
    }
  }
  expect([...problems]).toEqual([]);
}

/** The values of `key` in items that have it; arrays are flattened. */
function pluck(items: Json[], key: string): Json[] {
  return items.flatMap((item) => (item[key] === undefined || item[key] === null ? [] : item[key]));
}

describe('fake X API compared with real captures in test/fixtures/x-api/samples', () => {
  let fake: FakeXApi;
  let user: StoredUser;
  let openapi: Json;
  const realV2Pages: Json[] = [];
  const realV1Statuses: Json[] = [];

  const getJson = async (pathAndQuery: string) => JSON.parse((await getRaw(fake.url, pathAndQuery, TOKEN)).text);
  /** Properties the OpenAPI spec documents for a schema (following allOf). */
  const specKeys = (schemaName: string, property?: string): string[] => {
    const schema = openapi.components.schemas[schemaName];
    const parts: Json[] = schema.allOf
      ? schema.allOf.map((part: Json) => (part.$ref ? openapi.components.schemas[part.$ref.split('/').pop()] : part))
      : [schema];
    const properties = parts.reduce((all, part) => ({ ...all, ...part.properties }), {} as Json);
    return Object.keys(property ? properties[property].properties : properties);
  };

  beforeAll(async () => {
    openapi = JSON.parse(readFileSync(path.join(X_API_DIR, 'openapi.json'), 'utf8'));
    for (const file of readdirSync(path.join(SAMPLES_DIR, 'v2'))) {
      if (file.endsWith('twarc-csv.json') && !file.startsWith('users-lookup'))
        realV2Pages.push(readSample(`v2/${file}`));
    }
    for (const file of readdirSync(path.join(SAMPLES_DIR, 'v1.1'))) {
      const sample = readSample(`v1.1/${file}`);
      realV1Statuses.push(...(Array.isArray(sample) ? sample : [sample]));
    }

    const store = new FakeXApiStore();
    user = store.addUser({
      username: 'compared',
      name: 'Compared 🔍',
      description: 'Fixture & more',
      location: 'Paris',
      url: 'https://t.co/abcdefghij',
      metrics: { followers_count: 10 },
    });
    generateTimeline(store, user.id, { seed: 11, count: 120 });
    fake = await startFakeXApi({ bearerToken: TOKEN, store });
  });

  afterAll(() => fake?.close());

  it('answers the default user fields of GET /2/users/by/username', async () => {
    const real = readSample('v2/users-by-username.default-fields.2021-04.tweepy.json');
    const answer = await getJson('/2/users/by/username/compared');

    expect(Object.keys(answer)).toEqual(Object.keys(real));
    expect(Object.keys(answer.data).sort()).toEqual(Object.keys(real.data).sort());
  });

  it('answers GET /2/users/:id with the user.fields of the capture', async () => {
    const real = readSample('v2/users-by-username-or-id.user-fields.2021.pytwitter.json');
    const answer = await getJson(`/2/users/${user.id}?user.fields=${Object.keys(real.data).join(',')}`);

    expect(Object.keys(answer)).toEqual(Object.keys(real));
    expect(Object.keys(answer.data).sort()).toEqual(Object.keys(real.data).sort());
    expectSameShape('user', [answer.data], [real.data]);
    expectSameShape(
      'user.public_metrics',
      [answer.data.public_metrics],
      [real.data.public_metrics],
      specKeys('User', 'public_metrics'),
    );
  });

  it('answers the default tweet fields and meta of GET /2/users/:id/tweets', async () => {
    const real = readSample('v2/users-tweets.default-fields.2022-10.tweepy.json');
    const answer = await getJson(`/2/users/${user.id}/tweets`);

    expect(Object.keys(answer).sort()).toEqual(Object.keys(real).sort());
    expect(Object.keys(answer.meta).sort()).toEqual(Object.keys(real.meta).sort());
    for (const tweet of answer.data) expect(Object.keys(tweet).sort()).toEqual(Object.keys(real.data[0]).sort());
    expectSameShape('meta', [answer.meta], [real.meta]);
  });

  describe('with the fields and expansions twarc asks for', () => {
    let page: Json;

    beforeAll(async () => {
      // The parameters of the twarc captures, minus polls and places which the fake has none of.
      const query = new URLSearchParams({
        max_results: '100',
        expansions:
          'author_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys,edit_history_tweet_ids',
        'tweet.fields':
          'attachments,author_id,conversation_id,created_at,entities,id,in_reply_to_user_id,lang,public_metrics,text,possibly_sensitive,referenced_tweets,reply_settings,source,edit_controls',
        'user.fields':
          'created_at,description,id,location,name,pinned_tweet_id,profile_image_url,protected,public_metrics,url,username,verified',
        'media.fields':
          'alt_text,duration_ms,height,media_key,preview_image_url,type,url,width,public_metrics,variants',
      });
      page = await getJson(`/2/users/${user.id}/tweets?${query.toString()}`);
    });

    const realTweets = () => realV2Pages.flatMap((real) => [...real.data, ...(real.includes?.tweets ?? [])]);
    const fakeTweets = () => [...page.data, ...page.includes.tweets];

    it('has tweets shaped like the real ones', () => {
      expectSameShape('tweet', fakeTweets(), realTweets(), specKeys('Tweet'));
      expectSameShape(
        'tweet.public_metrics',
        pluck(fakeTweets(), 'public_metrics'),
        pluck(realTweets(), 'public_metrics'),
        specKeys('Tweet', 'public_metrics'),
      );
      expectSameShape(
        'tweet.edit_controls',
        pluck(fakeTweets(), 'edit_controls'),
        pluck(realTweets(), 'edit_controls'),
      );
      expectSameShape(
        'tweet.referenced_tweets',
        pluck(fakeTweets(), 'referenced_tweets'),
        pluck(realTweets(), 'referenced_tweets'),
      );
      expectSameShape('tweet.attachments', pluck(fakeTweets(), 'attachments'), pluck(realTweets(), 'attachments'));
    });

    it('has entities shaped like the real ones', () => {
      const fakeEntities = pluck(fakeTweets(), 'entities');
      const realEntities = pluck(realTweets(), 'entities');
      for (const kind of ['urls', 'mentions', 'hashtags', 'cashtags']) {
        expectSameShape(`entities.${kind}`, pluck(fakeEntities, kind), pluck(realEntities, kind));
      }
    });

    it('has included users and media shaped like the real ones', () => {
      const realUsers = realV2Pages.flatMap((real) => real.includes?.users ?? []);
      const realMedia = realV2Pages.flatMap((real) => real.includes?.media ?? []);

      expectSameShape('user', page.includes.users, realUsers, specKeys('User'));
      expectSameShape(
        'user.public_metrics',
        pluck(page.includes.users, 'public_metrics'),
        pluck(realUsers, 'public_metrics'),
        specKeys('User', 'public_metrics'),
      );
      for (const type of ['photo', 'video']) {
        const ofType = (items: Json[]) => items.filter((item) => item.type === type);
        expectSameShape(
          `media(${type})`,
          ofType(page.includes.media),
          ofType(realMedia),
          specKeys(type === 'photo' ? 'Photo' : 'Video'),
        );
      }
      expectSameShape('media.variants', pluck(page.includes.media, 'variants'), pluck(realMedia, 'variants'));
    });

    it('has the meta of a real page', () => {
      expectSameShape('meta', [page.meta], realV2Pages.map((real) => real.meta).filter(Boolean));
    });
  });

  describe('errors', () => {
    const observed = (caseStart: string): Json => {
      const items: Json[] = readSample('v2/errors.observed.json').items;
      return items.find((item) => item.case.startsWith(caseStart))!;
    };

    it('answers unknown and suspended users and protected timelines like X', async () => {
      const unknown = await getJson(`/2/users/by/username/nobody`);
      const real = observed('v2 200 + errors[] only: unknown username');

      expect(Object.keys(unknown)).toEqual(['errors']);
      expectSameShape('error(unknown user)', unknown.errors, real.body.errors);

      const store = fake.store;
      const locked = store.addUser({ username: 'locked_account', protected: true });
      store.addUser({ username: 'banned_account', suspended: true });
      const protectedAnswer = await getJson(`/2/users/${locked.id}/tweets`);
      const bannedAnswer = await getJson('/2/users/by/username/banned_account');

      expect(Object.keys(protectedAnswer.errors[0]).sort()).toEqual(
        Object.keys(observed('v2 200 + errors[] only: timeline of a protected').body.errors[0]).sort(),
      );
      expect(Object.keys(bannedAnswer.errors[0]).sort()).toEqual(
        Object.keys(observed('v2 200 partial error inside a successful page').body_excerpt.errors[0]).sort(),
      );
      expect(bannedAnswer.errors[0].title).toBe('Forbidden');
    });

    it('answers 401, 429, 400 and the empty page with the observed bodies', async () => {
      const unauthorized = await getRaw(fake.url, '/2/users/by/username/compared', 'wrong');
      const invalid = await getJson('/2/users/by/username/giorgdcsadsacsacdsani');
      const empty = await getJson(`/2/users/${user.id}/tweets?since_id=${'9'.repeat(19)}`);
      const limited = await startFakeXApi({
        bearerToken: TOKEN,
        rateLimits: { userByUsername: { limit: 0, windowSeconds: 60 } },
      });
      const tooMany = await getRaw(limited.url, '/2/users/by/username/compared', TOKEN);
      await limited.close();

      expect(JSON.parse(unauthorized.text)).toEqual(observed('v2 401').body);
      expect(unauthorized.headers.get('content-type')).toBe(observed('v2 401').headers['content-type']);
      expect(JSON.parse(tooMany.text)).toEqual(observed('v2 429').body);
      const realInvalid = observed('v2 400 invalid parameter').body;
      expect({ ...invalid, errors: undefined }).toEqual({ ...realInvalid, errors: undefined });
      expect(invalid.errors[0].parameters).toEqual(realInvalid.errors[0].parameters);
      // The real message was shortened to "[...]" by whoever quoted it.
      expect(invalid.errors[0].message.replace('[giorgdcsadsacsacdsani]', '[...]')).toBe(realInvalid.errors[0].message);
      expect(empty).toEqual(observed('v2 200 empty timeline page').body);
    });

    it('answers v1.1 failures with the observed bodies', async () => {
      const store = fake.store;
      store.addUser({ username: 'v1_locked', protected: true });
      const protectedAnswer = await getRaw(fake.url, '/1.1/statuses/user_timeline.json?screen_name=v1_locked', TOKEN);
      const unauthenticated = await getRaw(fake.url, '/1.1/statuses/user_timeline.json?screen_name=compared');

      expect(JSON.parse(protectedAnswer.text)).toEqual(observed('v1.1 statuses/user_timeline of a protected').body);
      expect(protectedAnswer.status).toBe(observed('v1.1 statuses/user_timeline of a protected').status);
      expect(JSON.parse(unauthenticated.text)).toEqual(observed('v1.1 401').body);
    });
  });

  describe('v1.1 statuses', () => {
    it('are shaped like the real user timelines in compatibility mode', async () => {
      const statuses: Json[] = await getJson('/1.1/statuses/user_timeline.json?screen_name=compared&count=200');
      const compatStatuses = realV1Statuses.filter((status) => 'text' in status);

      expectSameShape('status', statuses, compatStatuses);
      expectSameShape('status.user', pluck(statuses, 'user'), pluck(compatStatuses, 'user'));
      expectSameShape('status.entities', pluck(statuses, 'entities'), pluck(compatStatuses, 'entities'));
      expectSameShape(
        'status.retweeted_status',
        pluck(statuses, 'retweeted_status'),
        pluck(compatStatuses, 'retweeted_status'),
      );
      const fakeEntities = pluck(statuses, 'entities');
      const realEntities = pluck(compatStatuses, 'entities');
      // No capture has a cashtag ("symbols"), so those are left out.
      for (const kind of ['hashtags', 'user_mentions', 'urls', 'media']) {
        expectSameShape(`entities.${kind}`, pluck(fakeEntities, kind), pluck(realEntities, kind));
      }
      const fakeMedia = pluck(pluck(statuses, 'extended_entities'), 'media');
      const realMedia = pluck(pluck(compatStatuses, 'extended_entities'), 'media');
      expectSameShape('extended_entities.media', fakeMedia, realMedia);
      expectSameShape('video_info', pluck(fakeMedia, 'video_info'), pluck(realMedia, 'video_info'));
      expect(
        statuses.every((status) => /^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \+0000 \d{4}$/.test(status.created_at)),
      ).toBe(true);
    });

    it('are shaped like the real status in extended mode', async () => {
      const statuses: Json[] = await getJson(
        '/1.1/statuses/user_timeline.json?screen_name=compared&count=50&tweet_mode=extended',
      );
      const real = readSample('v1.1/status.tweet_mode-extended.2016-10.python-twitter.json');
      const modeKeys = (status: Json) => ({
        full_text: status.full_text,
        display_text_range: status.display_text_range,
        truncated: status.truncated,
      });

      expect(statuses.filter((status) => 'text' in status)).toEqual([]);
      expect('text' in real).toBe(false);
      expectSameShape('extended status', statuses.map(modeKeys), [modeKeys(real)]);
    });
  });
});
