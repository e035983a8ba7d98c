import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeXApi, startFakeXApi } from '../fake-x-api/fake-x-api.server';
import { StoredMedia, StoredUser } from '../fake-x-api/fake-x-api.store';
import { generateTimeline } from '../fake-x-api/timeline.generator';
import { snowflakeTime } from '../fake-x-api/tweet-text';
import type { TweetRow, TwitterUserRow } from '../tweets/tweets.repository';
import {
  decodeHtmlEntities,
  MappedPage,
  mapV1TimelinePage,
  mapV2TimelinePage,
  V1Status,
  V2_EXPANSIONS,
  V2_MEDIA_FIELDS,
  V2_TWEET_FIELDS,
  V2_USER_FIELDS,
  V2TimelineBody,
} from './x-api.mapper';

// Real captures (provenance in index.json) and synthetic pages, kept as fixtures.
const SAMPLES_DIR = path.resolve(__dirname, '../../test/fixtures/x-api/samples');

const readSample = (file: string): any => JSON.parse(readFileSync(path.join(SAMPLES_DIR, file), 'utf8'));
const DIGITS = /^\d+$/;

/** What X does to tweet text; decoding must undo exactly this. */
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const codePoints = (text: string, start: number, end: number) => Array.from(text).slice(start, end).join('');
const toSecond = (date: Date) => Math.floor(date.getTime() / 1000);
const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));

/** Checks that hold for every row of every page, whatever the source. */
function expectWellFormed(page: MappedPage): void {
  const userIds = new Set(page.users.map((user) => user.id));
  expect(userIds.size).toBe(page.users.length);
  expect(new Set(page.tweets.map((tweet) => tweet.id)).size).toBe(page.tweets.length);
  for (const user of page.users) {
    expect(user.id).toMatch(DIGITS);
    expect(Number.isNaN(user.createdAt.getTime())).toBe(false);
  }
  for (const tweet of page.tweets) {
    const ids = [tweet.id, tweet.authorId, ...tweet.editHistoryTweetIds, ...tweet.referencedTweets.map((r) => r.id)];
    for (const id of ids) expect(typeof id === 'string' && DIGITS.test(id)).toBe(true);
    for (const id of [tweet.conversationId, tweet.inReplyToUserId, tweet.inReplyToTweetId]) {
      if (id !== null) expect(id).toMatch(DIGITS);
    }
    expect(userIds.has(tweet.authorId)).toBe(true);
    // created_at is the snowflake's time (X cuts it to the second): a time zone slip shows.
    expect({ id: tweet.id, second: toSecond(tweet.createdAt) }).toEqual({
      id: tweet.id,
      second: toSecond(new Date(snowflakeTime(tweet.id))),
    });
    expect(tweet.editHistoryTweetIds).toContain(tweet.id);
  }
}

/** The text as X sent it: what the row's text must decode from (retweets aside). */
const rawV2Text = (tweet: any): string => tweet.note_tweet?.text ?? tweet.text;
const rawV1Text = (status: any): string => status.full_text ?? status.text;

describe('decodeHtmlEntities', () => {
  it('decodes the three escapes X makes', () => {
    expect(decodeHtmlEntities('Tom &amp; Jerry: 3 &lt; 5 &gt; 4')).toBe('Tom & Jerry: 3 < 5 > 4');
  });

  it('decodes once: an escaped escape stays an escape', () => {
    expect(decodeHtmlEntities('&amp;lt; &amp;amp; &amp;gt;')).toBe('&lt; &amp; &gt;');
  });

  it('leaves everything else alone, quotes included (X does not escape them)', () => {
    expect(decodeHtmlEntities('"x" &quot; &#39; & &amp ; 👩🏽‍💻')).toBe('"x" &quot; &#39; & &amp ; 👩🏽‍💻');
  });
});

describe('mapV2TimelinePage on the synthetic pages', () => {
  const page1: any = readSample('synthetic/users-tweets.page1.SYNTHETIC.json');
  const SYNC_TARGET = '1602315478998499329';
  const X = '783214';

  /** What the timeline tweets of page 1 share. */
  const timelineRow = {
    authorId: SYNC_TARGET,
    lang: 'en',
    inReplyToUserId: null,
    inReplyToTweetId: null,
    referencedTweets: [],
    retweetCount: 1,
    replyCount: 0,
    likeCount: 3,
    quoteCount: 0,
    bookmarkCount: 0,
    impressionCount: 120,
    entities: null,
    media: [],
    source: null,
    possiblySensitive: false,
    referencedOnly: false,
    origin: 'api' as const,
  };
  /** Referenced tweets come with the default fields and those asked for them: no metrics. */
  const referencedRow = {
    lang: 'en',
    inReplyToUserId: null,
    inReplyToTweetId: null,
    referencedTweets: [],
    retweetCount: null,
    replyCount: null,
    likeCount: null,
    quoteCount: null,
    bookmarkCount: null,
    impressionCount: null,
    entities: null,
    media: [],
    source: null,
    possiblySensitive: null,
    referencedOnly: true,
    origin: 'api' as const,
  };

  it('maps every timeline tweet, then the referenced ones, to exact rows', () => {
    const { tweets } = mapV2TimelinePage(page1);
    const [data, included] = [page1.data, page1.includes.tweets];

    expect(tweets).toEqual<TweetRow[]>([
      {
        ...timelineRow,
        id: '1785972498232315904',
        // the long post: note_tweet.text, not the text cut at 280 characters
        text:
          'This is a long post (note tweet) used to test that the sync stores note_tweet.text instead of the ' +
          'truncated text field. It goes on for more than 280 characters so that the API has to truncate the ' +
          'classic text field. Ünïcödé and emoji 🚀🔥 are included to check byte vs code-point handling, plus ' +
          'a link https://example.com/long-post and a mention of @X at the end.',
        createdAt: new Date('2024-05-02T10:00:00.000Z'),
        conversationId: '1785972498232315904',
        editHistoryTweetIds: ['1785972498232315904'],
        entities: {
          urls: [
            {
              start: 300,
              end: 329,
              url: 'https://example.com/long-post',
              expanded_url: 'https://example.com/long-post',
              display_url: 'example.com/long-post',
            },
          ],
          mentions: [{ start: 347, end: 349, username: 'X', id: X }],
        },
        raw: data[0],
      },
      {
        ...timelineRow,
        id: '1785701839795195904',
        text: 'Edited: the sync now runs every 5 minutes (was 15).',
        createdAt: new Date('2024-05-01T16:04:30.000Z'),
        conversationId: '1785700707333115904',
        editHistoryTweetIds: ['1785700707333115904', '1785701839795195904'],
        raw: data[1],
      },
      {
        ...timelineRow,
        id: '1785595010872315904',
        // the retweet: "RT @author: " and the original's whole text, not the text cut at 140
        text:
          "RT @X: Big news today: we're shipping the new timeline sync engine with full support for edits, " +
          'long posts and media attachments across all regions 🎉',
        createdAt: new Date('2024-05-01T09:00:00.000Z'),
        conversationId: '1785595010872315904',
        referencedTweets: [{ type: 'retweeted', id: '1785579911377915904' }],
        editHistoryTweetIds: ['1785595010872315904'],
        retweetCount: 57,
        likeCount: 0,
        impressionCount: 0,
        entities: { mentions: [{ start: 3, end: 5, username: 'X', id: X }] },
        raw: data[2],
      },
      {
        ...timelineRow,
        id: '1785293020984315904',
        text: 'Strongly agree 👇 https://t.co/Q1uoteAbCd',
        createdAt: new Date('2024-04-30T13:00:00.000Z'),
        conversationId: '1785293020984315904',
        referencedTweets: [{ type: 'quoted', id: '1785277921489915904' }],
        editHistoryTweetIds: ['1785293020984315904'],
        entities: {
          urls: [
            {
              start: 17,
              end: 40,
              url: 'https://t.co/Q1uoteAbCd',
              expanded_url: 'https://twitter.com/quoted_author/status/1785277921489915904',
              display_url: 'x.com/quoted_author/…',
            },
          ],
        },
        raw: data[3],
      },
      {
        ...timelineRow,
        id: '1784877784888315904',
        text: '@X We do, with TypeORM 🙂',
        createdAt: new Date('2024-04-29T09:30:00.000Z'),
        conversationId: '1784870235141115904',
        inReplyToUserId: X,
        inReplyToTweetId: '1784870235141115904',
        referencedTweets: [{ type: 'replied_to', id: '1784870235141115904' }],
        editHistoryTweetIds: ['1784877784888315904'],
        entities: { mentions: [{ start: 0, end: 2, username: 'X', id: X }] },
        raw: data[4],
      },
      {
        ...timelineRow,
        id: '1784655067345915904',
        text: 'Sunset from the office 🌅 https://t.co/PhotoAbCd1',
        createdAt: new Date('2024-04-28T18:45:00.000Z'),
        conversationId: '1784655067345915904',
        editHistoryTweetIds: ['1784655067345915904'],
        entities: {
          urls: [
            {
              start: 25,
              end: 48,
              url: 'https://t.co/PhotoAbCd1',
              expanded_url: 'https://twitter.com/sync_target/status/1784655067345915904/photo/1',
              display_url: 'pic.x.com/PhotoAbCd1',
              media_key: '3_1784655025402875904',
            },
          ],
        },
        media: [
          {
            media_key: '3_1784655025402875904',
            type: 'photo',
            url: 'https://pbs.twimg.com/media/GMabcdefghijklm.jpg',
            width: 1200,
            height: 900,
            alt_text: 'Orange sky over rooftops',
          },
        ],
        raw: data[5],
      },
      {
        ...timelineRow,
        id: '1784477648286715904',
        text: 'Ünïcödé ✓ 日本語テキスト #テスト \u{1F469}\u{1F3FD}\u200D\u{1F4BB} "quotes" & <angle>',
        createdAt: new Date('2024-04-28T07:00:00.000Z'),
        conversationId: '1784477648286715904',
        lang: 'ja',
        editHistoryTweetIds: ['1784477648286715904'],
        entities: { hashtags: [{ start: 18, end: 22, tag: 'テスト' }] },
        raw: data[6],
      },
      {
        ...referencedRow,
        id: '1785579911377915904',
        authorId: X,
        text:
          "Big news today: we're shipping the new timeline sync engine with full support for edits, long posts " +
          'and media attachments across all regions 🎉',
        createdAt: new Date('2024-05-01T08:00:00.000Z'),
        conversationId: '1785579911377915904',
        editHistoryTweetIds: ['1785579911377915904'],
        raw: included[0],
      },
      {
        ...referencedRow,
        id: '1785277921489915904',
        authorId: '44196397',
        text: 'Hot take: IDs should always be strings.',
        createdAt: new Date('2024-04-30T12:00:00.000Z'),
        conversationId: '1785277921489915904',
        editHistoryTweetIds: ['1785277921489915904'],
        raw: included[1],
      },
      {
        ...referencedRow,
        id: '1784870235141115904',
        authorId: X,
        text: 'Anyone syncing timelines into Postgres?',
        createdAt: new Date('2024-04-29T09:00:00.000Z'),
        conversationId: '1784870235141115904',
        editHistoryTweetIds: ['1784870235141115904'],
        raw: included[2],
      },
    ]);
    // raw is the object as received, escapes and the cut texts included
    expect(tweets[6].raw).toBe(data[6]);
    expect(tweets[6].raw.text).toContain('&amp; &lt;angle&gt;');
  });

  it('maps every user of the page, empty strings as null', () => {
    const { users } = mapV2TimelinePage(page1);

    expect(users).toEqual<TwitterUserRow[]>([
      {
        id: SYNC_TARGET,
        screenName: 'sync_target',
        name: 'Sync Target 🚀',
        description: 'Fixture account for the fake X API',
        location: null,
        url: null,
        profileImageUrl: 'https://pbs.twimg.com/profile_images/1602315600000000000/AbCdEfGh_normal.jpg',
        verified: false,
        followersCount: 1204,
        followingCount: 311,
        tweetCount: 5230,
        listedCount: 12,
        createdAt: new Date('2022-12-12T14:03:11.000Z'),
        raw: page1.includes.users[0],
      },
      {
        id: X,
        screenName: 'X',
        name: 'X',
        description: "what's happening?!",
        location: null,
        url: null,
        profileImageUrl: 'https://pbs.twimg.com/profile_images/1683899100922511378/5lY42eHs_normal.jpg',
        verified: true,
        followersCount: 67000000,
        followingCount: 0,
        tweetCount: 15000,
        listedCount: 90000,
        createdAt: new Date('2007-02-20T14:35:54.000Z'),
        raw: page1.includes.users[1],
      },
      {
        id: '44196397',
        screenName: 'quoted_author',
        name: 'Example Quoted Author',
        description: null,
        location: null,
        url: null,
        profileImageUrl: 'https://pbs.twimg.com/profile_images/1590968738358079488/IY9Gx6Ok_normal.jpg',
        verified: true,
        followersCount: 1000,
        followingCount: 10,
        tweetCount: 100,
        listedCount: 1,
        createdAt: new Date('2009-06-02T20:12:29.000Z'),
        raw: page1.includes.users[2],
      },
    ]);
  });

  it('points the older version of the edited tweet at the newest', () => {
    expect(mapV2TimelinePage(page1).editedVersions).toEqual([
      { id: '1785700707333115904', newestId: '1785701839795195904' },
    ]);
  });

  it('maps the last page and the empty page', () => {
    const last = mapV2TimelinePage(readSample('synthetic/users-tweets.page2-last.SYNTHETIC.json'));
    const empty = mapV2TimelinePage(readSample('synthetic/users-tweets.empty.SYNTHETIC.json'));

    expect(last.tweets.map((tweet) => [tweet.id, tweet.text, tweet.referencedOnly])).toEqual([
      ['1784190757893115904', 'Older post #1', false],
      ['1783828370027515904', 'Older post #2 — last one in the window', false],
    ]);
    expect(last.users.map((user) => user.screenName)).toEqual(['sync_target']);
    expect(empty).toEqual({ users: [], tweets: [], editedVersions: [] });
  });

  it('leaves out the tweets whose author is missing, and keeps a retweet its own text without the original author', () => {
    const body = structuredClone(page1);
    body.includes.users = body.includes.users.filter((user: any) => user.id !== X);

    const { tweets, users } = mapV2TimelinePage(body);

    expect(users.map((user) => user.id)).toEqual([SYNC_TARGET, '44196397']);
    expect(tweets.map((tweet) => tweet.id)).toEqual([...page1.data.map((t: any) => t.id), '1785277921489915904']);
    expect(tweets[2].text).toBe(
      "RT @X: Big news today: we're shipping the new timeline sync engine with full support for edits, long posts " +
        'and media attachments across al…',
    );
  });

  it('keeps a retweet its own, decoded, text when the original is not included', () => {
    const body = structuredClone(page1);
    delete body.includes.tweets;
    body.data[2].text = 'RT @X: Tom &amp; Jerry &lt;3…';

    const { tweets } = mapV2TimelinePage(body);

    expect(tweets.filter((tweet) => tweet.referencedOnly)).toEqual([]);
    expect(tweets[2]).toMatchObject({
      text: 'RT @X: Tom & Jerry <3…',
      referencedTweets: [{ type: 'retweeted', id: '1785579911377915904' }],
    });
  });

  it("writes a retweet of a long post with the original's note_tweet text", () => {
    const body = structuredClone(page1);
    body.includes.tweets[0].note_tweet = { text: 'A note &amp; more, well past 280 characters' };

    const { tweets } = mapV2TimelinePage(body);

    expect(tweets[2].text).toBe('RT @X: A note & more, well past 280 characters');
    expect(tweets.find((tweet) => tweet.id === '1785579911377915904')!.text).toBe(
      'A note & more, well past 280 characters',
    );
  });
});

describe('the X API fixtures', () => {
  it('holds every capture its provenance index lists, byte for byte', () => {
    const index = readSample('index.json') as { file: string; bytes: number }[];
    expect(index.length).toBeGreaterThanOrEqual(28);
    for (const entry of index) {
      expect({ file: entry.file, bytes: readFileSync(path.join(SAMPLES_DIR, entry.file)).length }).toEqual({
        file: entry.file,
        bytes: entry.bytes,
      });
    }
  });
});

describe('mapV2TimelinePage on real v2 captures', () => {
  const files = readdirSync(path.join(SAMPLES_DIR, 'v2')).filter((file) => {
    const body = readSample(`v2/${file}`);
    return Array.isArray(body.data) && typeof body.data[0]?.text === 'string';
  });

  it('finds the tweet pages among the captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s: well-formed rows, decoded texts, every tweet whose author is included', (file) => {
    const body = readSample(`v2/${file}`);
    const page = mapV2TimelinePage(body);
    const users = new Map<string, any>((body.includes?.users ?? []).map((user: any) => [user.id, user]));
    const included = new Map<string, any>((body.includes?.tweets ?? []).map((tweet: any) => [tweet.id, tweet]));
    const media = new Map<string, any>((body.includes?.media ?? []).map((item: any) => [item.media_key, item]));
    const storable = (tweet: any) => users.has(tweet.author_id);

    expectWellFormed(page);
    expect(page.users.map((user) => user.id)).toEqual([...users.keys()]);
    expect(page.tweets.filter((tweet) => !tweet.referencedOnly).map((tweet) => tweet.id)).toEqual(
      body.data.filter(storable).map((tweet: any) => tweet.id),
    );
    const timelineIds = new Set(body.data.map((tweet: any) => tweet.id));
    const referencedIds = body.data.flatMap((tweet: any) => (tweet.referenced_tweets ?? []).map((ref: any) => ref.id));
    const expectedReferenced = [...new Set<string>(referencedIds)].filter(
      (id) => !timelineIds.has(id) && included.has(id) && storable(included.get(id)),
    );
    expect(page.tweets.filter((tweet) => tweet.referencedOnly).map((tweet) => tweet.id)).toEqual(expectedReferenced);

    const rows = byId(page.tweets);
    for (const row of page.tweets) {
      const raw = row.raw as any;
      const original = row.referencedTweets.find((ref) => ref.type === 'retweeted');
      const originalRow = original && rows.get(original.id);
      if (originalRow) {
        const prefix = `RT @${users.get(originalRow.authorId).username}: `;
        expect(row.text).toBe(prefix + originalRow.text);
        expect(raw.text.startsWith(escapeHtml(prefix))).toBe(true);
      } else {
        // Re-escaping gives back exactly what X sent: nothing left escaped, nothing decoded twice.
        expect(escapeHtml(row.text)).toBe(rawV2Text(raw));
      }
      // Referenced tweets name media that V2_EXPANSIONS does not bring: those are left out.
      const keys: string[] = raw.attachments?.media_keys ?? [];
      expect(row.media).toEqual(keys.filter((key) => media.has(key)).map((key) => media.get(key)));
      expect(row.editHistoryTweetIds).toEqual(raw.edit_history_tweet_ids ?? [row.id]);
    }
  });

  it('decodes every tweet text of the captures, even those it cannot store', () => {
    let escaped = 0;
    for (const file of files) {
      const body = readSample(`v2/${file}`);
      for (const tweet of [...body.data, ...(body.includes?.tweets ?? [])]) {
        const text = rawV2Text(tweet);
        const decoded = decodeHtmlEntities(text);
        if (decoded !== text) escaped++;
        expect(escapeHtml(decoded)).toBe(text);
        if (/&(amp|lt|gt);/.test(decoded)) expect(text).toMatch(/&amp;(amp|lt|gt);/);
      }
    }
    // e.g. "NYC &lt; London (weather this week)", "Remainers &amp; pro EU media"
    expect(escaped).toBeGreaterThanOrEqual(15);
  });

  it('leaves out, without throwing, the tweets of a page fetched without author_id', () => {
    const body = readSample('v2/home-timeline.reverse-chron.default-fields.2022-10.tweepy.json');

    expect(mapV2TimelinePage(body)).toEqual({ users: [], tweets: [], editedVersions: [] });
  });

  it('takes the newest version from the end of the history, also for a tweet fetched by an older id', () => {
    const versions = [{ id: '1576994746135764992', newestId: '1576994789110992896' }];
    const twoVersions = mapV2TimelinePage(readSample('v2/tweet.edited.two-versions.2022-10.twarc-csv.json'));
    const beforeEdit = mapV2TimelinePage(readSample('v2/tweet.edited.before-edit.2022-10.twarc-csv.json'));
    const quote = mapV2TimelinePage(readSample('v2/tweet.quote-and-reply-of-edited.2022-10.twarc-csv.json'));

    expect(twoVersions.editedVersions).toEqual(versions);
    expect(twoVersions.tweets.map((tweet) => tweet.id)).toEqual(['1576994789110992896']);
    expect(beforeEdit.editedVersions).toEqual(versions);
    expect(quote.editedVersions).toEqual(versions);
    expect(quote.tweets.map((tweet) => [tweet.id, tweet.referencedOnly])).toEqual([
      ['1576995594388000768', false],
      ['1576994746135764992', true],
      ['1576994789110992896', true],
    ]);
    expect(quote.tweets[0]).toMatchObject({
      inReplyToTweetId: '1576994789110992896',
      inReplyToUserId: '337119125',
      referencedTweets: [
        { type: 'quoted', id: '1576994746135764992' },
        { type: 'replied_to', id: '1576994789110992896' },
      ],
    });
  });

  it('keeps a video as v2 sent it, variants and view count included', () => {
    const body = readSample('v2/tweet.media-video.2022-08.twarc-csv.json');

    const [tweet] = mapV2TimelinePage(body).tweets;

    expect(tweet.media).toEqual([body.includes.media[0]]);
    expect(tweet.media[0]).toMatchObject({ type: 'video', variants: expect.any(Array) });
  });

  it('maps a pre-2022 capture: no edit history, metrics from public_metrics', () => {
    const body = readSample('v2/search.retweet.2021-05.twarc-csv.json');

    const [retweet] = mapV2TimelinePage(body).tweets;

    expect(retweet.editHistoryTweetIds).toEqual([retweet.id]);
    expect(retweet.retweetCount).toBe(body.data[0].public_metrics.retweet_count);
    expect(retweet.source).toBe(body.data[0].source);
  });
});

describe('mapV1TimelinePage on real v1.1 captures', () => {
  const files = readdirSync(path.join(SAMPLES_DIR, 'v1.1'));
  const statusesOf = (file: string): V1Status[] => {
    const body = readSample(`v1.1/${file}`);
    return Array.isArray(body) ? body : [body];
  };

  it.each(files)('%s: ids from id_str, decoded texts, references and their rows', (file) => {
    const statuses = statusesOf(file) as any[];
    const page = mapV1TimelinePage(statuses);
    const rows = byId(page.tweets);

    expectWellFormed(page);
    expect(page.tweets.filter((tweet) => !tweet.referencedOnly).map((tweet) => tweet.id)).toEqual(
      statuses.map((status) => status.id_str),
    );
    expect(page.editedVersions).toEqual([]);

    const check = (status: any) => {
      const row = rows.get(status.id_str)!;
      expect(row.raw).toBe(status);
      expect(row.authorId).toBe(status.user.id_str);
      expect(page.users.some((user) => user.id === status.user.id_str)).toBe(true);
      if (status.retweeted_status) {
        const original = status.retweeted_status;
        expect(row.text).toBe(`RT @${original.user.screen_name}: ${decodeHtmlEntities(rawV1Text(original))}`);
        expect(row.referencedTweets).toEqual([{ type: 'retweeted', id: original.id_str }]);
        check(original);
      } else {
        expect(escapeHtml(row.text)).toBe(rawV1Text(status));
        const quoted = status.quoted_status_id_str ? [{ type: 'quoted', id: status.quoted_status_id_str }] : [];
        const parent = status.in_reply_to_status_id_str;
        const replied = parent ? [{ type: 'replied_to', id: parent }] : [];
        expect(row.referencedTweets).toEqual([...quoted, ...replied]);
        expect(row.inReplyToTweetId).toBe(parent ?? null);
        expect(row.inReplyToUserId).toBe(status.in_reply_to_user_id_str ?? null);
        if (status.quoted_status) check(status.quoted_status);
      }
      expect(row.source).not.toMatch(/[<>]/);
      expect(row.likeCount).toBe(status.favorite_count);
      const mediaIds = (status.extended_entities ?? status.entities).media?.map((media: any) => media.id_str) ?? [];
      expect(row.media.map((media) => String(media.media_key).replace(/^\d+_/, ''))).toEqual(mediaIds);
    };
    statuses.forEach(check);
  });

  it('keeps ids that JSON.parse rounds exact, and maps a reply with a photo like v2 would', () => {
    const statuses = statusesOf('statuses-user_timeline.screen_name-Twitter.2020-12.tweepy.json');
    const status: any = statuses[0];

    const { tweets, users } = mapV1TimelinePage(statuses);

    // the proof that `id` cannot be used: it came out of JSON.parse rounded
    expect(String(status.id)).not.toBe('1341793727208181762');
    expect(tweets[0]).toEqual<TweetRow>({
      id: '1341793727208181762',
      authorId: '783214',
      text: '@TreyNKennedy 👀 https://t.co/1CZ6VbgaIL',
      createdAt: new Date('2020-12-23T17:12:08.000Z'),
      lang: 'und',
      conversationId: null,
      inReplyToUserId: '211002550',
      inReplyToTweetId: '1341404809354760192',
      referencedTweets: [{ type: 'replied_to', id: '1341404809354760192' }],
      editHistoryTweetIds: ['1341793727208181762'],
      retweetCount: 100,
      replyCount: null,
      likeCount: 1043,
      quoteCount: null,
      bookmarkCount: null,
      impressionCount: null,
      entities: {
        mentions: [{ start: 0, end: 13, username: 'TreyNKennedy', id: '211002550' }],
        urls: [
          {
            start: 16,
            end: 39,
            url: 'https://t.co/1CZ6VbgaIL',
            expanded_url: 'https://twitter.com/Twitter/status/1341793727208181762/photo/1',
            display_url: 'pic.twitter.com/1CZ6VbgaIL',
            media_key: '3_1341793718672760840',
          },
        ],
      },
      media: [
        {
          media_key: '3_1341793718672760840',
          type: 'photo',
          url: 'https://pbs.twimg.com/media/Ep8CRytXIAgWtpq.jpg',
          width: 1920,
          height: 1080,
        },
      ],
      source: 'Twitter for iPhone',
      possiblySensitive: false,
      raw: status,
      referencedOnly: false,
      origin: 'api' as const,
    });
    expect(users).toEqual<TwitterUserRow[]>([
      {
        id: '783214',
        screenName: 'Twitter',
        name: 'Twitter',
        description: 'this year was not it',
        location: 'everywhere',
        url: 'https://about.twitter.com/',
        profileImageUrl: 'https://pbs.twimg.com/profile_images/1308010958862905345/-SGZioPb_normal.jpg',
        verified: true,
        followersCount: 58778710,
        followingCount: 28,
        tweetCount: 13993,
        listedCount: 87212,
        createdAt: new Date('2007-02-20T14:35:54.000Z'),
        raw: status.user,
      },
    ]);
  });

  it('stores the quoted status as a referenced-only row', () => {
    const { tweets, users } = mapV1TimelinePage(statusesOf('status.quoted_status.python-twitter.json'));

    expect(tweets.map((tweet) => [tweet.id, tweet.referencedOnly, tweet.authorId])).toEqual([
      ['849424628401541121', false, users[0].id],
      ['849412806835351552', true, users[1].id],
    ]);
    expect(tweets[0].referencedTweets).toEqual([{ type: 'quoted', id: '849412806835351552' }]);
    expect(users.map((user) => user.screenName)).toEqual(['mastodonmusic', 'kylesethgray']);
  });

  it('gives a retweet of a quote only the retweeted reference; the original keeps the quote', () => {
    const { tweets } = mapV1TimelinePage(statusesOf('statuses-home_timeline.retweets.2015-12.python-twitter.json'));
    const rows = byId(tweets);

    expect(rows.get('668246004051873793')!.referencedTweets).toEqual([{ type: 'retweeted', id: '668245508411006977' }]);
    expect(rows.get('668245508411006977')).toMatchObject({
      referencedOnly: true,
      origin: 'api' as const,
      referencedTweets: [{ type: 'quoted', id: '668239849581903872' }],
    });
    expect(rows.get('668239849581903872')).toMatchObject({ referencedOnly: true });
  });

  it('gives a GIF the v2 key prefix 16_ and its video variants', () => {
    const { tweets } = mapV1TimelinePage(statusesOf('statuses-home_timeline.retweets.2015-12.python-twitter.json'));

    expect(tweets.find((tweet) => tweet.id === '674674925823787008')!.media).toEqual([
      {
        media_key: '16_674659173825560576',
        type: 'animated_gif',
        preview_image_url: 'https://pbs.twimg.com/tweet_video_thumb/CVze8bBUwAAPYRz.png',
        width: 636,
        height: 362,
        variants: [
          { bit_rate: 0, content_type: 'video/mp4', url: 'https://pbs.twimg.com/tweet_video/CVze8bBUwAAPYRz.mp4' },
        ],
      },
    ]);
  });

  it("writes a retweet with the original author's current screen name, which may differ from X's text", () => {
    const statuses = statusesOf('statuses-user_timeline.screen_name-Twitter.2021-05.tweepy.json');

    const retweet = mapV1TimelinePage(statuses).tweets.find((tweet) => tweet.id === '1387801081590259717')!;

    expect((retweet.raw as any).text).toBe('RT @tjoonies: WHAT ARE U KNOWN IN TWITTER FOR');
    expect(retweet.text).toBe('RT @kthxgenre: WHAT ARE U KNOWN IN TWITTER FOR');
  });

  it('reads the extended mode full_text', () => {
    const [status] = statusesOf('status.tweet_mode-extended.2016-10.python-twitter.json') as any[];

    const [row] = mapV1TimelinePage([status]).tweets;

    expect(status.text).toBeUndefined();
    expect(row.text).toBe(decodeHtmlEntities(status.full_text));
    expect(row.text.length).toBeGreaterThan(140);
  });

  it('reads created_at with any offset, whatever the process time zone', () => {
    const [status] = statusesOf('status.tweet_mode-extended.2016-10.python-twitter.json') as any[];
    const at = (createdAt: string) =>
      mapV1TimelinePage([{ ...status, created_at: createdAt }]).tweets[0].createdAt.toISOString();

    expect(at('Mon Oct 03 00:23:22 +0000 2016')).toBe('2016-10-03T00:23:22.000Z');
    expect(at('Sun Oct 02 19:23:22 -0500 2016')).toBe('2016-10-03T00:23:22.000Z');
    expect(at('Mon Oct 03 05:53:22 +0530 2016')).toBe('2016-10-03T00:23:22.000Z');
    expect(() => at('2016-10-03T00:23:22Z')).toThrow('not a v1.1 date');
  });
});

describe('the mappers against the fake X API', () => {
  const TOKEN = 'mapper-spec-token';
  let fake: FakeXApi;
  let account: StoredUser;

  const getJson = async (pathAndQuery: string): Promise<any> => {
    const response = await fetch(fake.url + pathAndQuery, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    return JSON.parse(await response.text());
  };
  const fetchV2Page = async (): Promise<V2TimelineBody> => {
    const query = new URLSearchParams({
      max_results: '100',
      'tweet.fields': V2_TWEET_FIELDS,
      'user.fields': V2_USER_FIELDS,
      'media.fields': V2_MEDIA_FIELDS,
      expansions: V2_EXPANSIONS,
    });
    return getJson(`/2/users/${account.id}/tweets?${query.toString()}`);
  };
  const fetchV1Statuses = async (): Promise<any[]> =>
    getJson(
      `/1.1/statuses/user_timeline.json?user_id=${account.id}&count=200&tweet_mode=extended&include_ext_alt_text=true`,
    );

  /** The v2 media object of a stored medium, as the fields above ask for it. */
  const expectedMedia = (media: StoredMedia) => ({
    media_key: media.mediaKey,
    type: media.type,
    width: media.width,
    height: media.height,
    ...(media.url ? { url: media.url } : {}),
    ...(media.previewImageUrl ? { preview_image_url: media.previewImageUrl } : {}),
    ...(media.altText ? { alt_text: media.altText } : {}),
    ...(media.durationMs !== undefined ? { duration_ms: media.durationMs } : {}),
    ...(media.variants ? { variants: media.variants } : {}),
    ...(media.viewCount !== undefined ? { public_metrics: { view_count: media.viewCount } } : {}),
  });
  // The fake shows media links as pic.twitter.com in v1.1 and as pic.x.com in v2.
  const comparableEntities = (entities: any) =>
    entities && {
      ...entities,
      ...(entities.urls && {
        urls: entities.urls.map(({ display_url, ...url }: any) => (url.media_key ? url : { ...url, display_url })),
      }),
    };
  const isLongPost = (row: TweetRow) => !row.text.startsWith('RT @') && Array.from(row.text).length > 280;

  beforeAll(async () => {
    fake = await startFakeXApi({ bearerToken: TOKEN });
    account = fake.store.addUser({ username: 'mapper_target', name: 'Mapper & <Co>', location: 'Berlin' });
    generateTimeline(fake.store, account.id, { seed: 11, count: 90 });
  });

  afterAll(() => fake.close());

  it('v2: every row equals what the fake stores', async () => {
    const { store } = fake;
    const page = mapV2TimelinePage(await fetchV2Page());
    const timeline = store.timeline(account.id);

    expectWellFormed(page);
    expect(page.tweets.filter((row) => !row.referencedOnly).map((row) => row.id)).toEqual(timeline.map((t) => t.id));
    const timelineIds = new Set(timeline.map((tweet) => tweet.id));
    const referencedIds = new Set(timeline.flatMap((tweet) => tweet.references.map((ref) => ref.id)));
    expect(page.tweets.filter((row) => row.referencedOnly).map((row) => row.id)).toEqual(
      [...referencedIds].filter((id) => !timelineIds.has(id)),
    );
    for (const row of page.tweets) {
      const stored = store.findTweet(row.id)!;
      expect(row).toEqual<TweetRow>({
        id: stored.id,
        authorId: stored.authorId,
        // the whole text, unescaped: a long post's note, a retweet's "RT @user: " and original
        text: stored.text,
        createdAt: new Date(stored.createdAt),
        lang: stored.lang,
        conversationId: stored.conversationId,
        inReplyToUserId: stored.inReplyToUserId ?? null,
        inReplyToTweetId: stored.references.find((ref) => ref.type === 'replied_to')?.id ?? null,
        referencedTweets: stored.references,
        editHistoryTweetIds: stored.editHistoryTweetIds,
        retweetCount: stored.metrics.retweet_count,
        replyCount: stored.metrics.reply_count,
        likeCount: stored.metrics.like_count,
        quoteCount: stored.metrics.quote_count,
        bookmarkCount: stored.metrics.bookmark_count,
        impressionCount: stored.metrics.impression_count,
        entities: row.entities,
        media: stored.mediaKeys.map((key) => expectedMedia(store.findMedia(key)!)),
        source: stored.source,
        possiblySensitive: stored.possiblySensitive,
        raw: row.raw,
        referencedOnly: !timelineIds.has(stored.id),
        origin: 'api',
      });
      // Entities point into the row's text (note_tweet entities into the note's text).
      for (const [group, items] of Object.entries(row.entities ?? {}) as [string, any[]][]) {
        for (const item of items) {
          const sigil = { mentions: '@', hashtags: '#', cashtags: '$', urls: '' }[group];
          const value = group === 'mentions' ? item.username : group === 'urls' ? item.url : item.tag;
          expect(codePoints(row.text, item.start, item.end)).toBe(sigil + value);
        }
      }
    }
    const authorIds = new Set(page.tweets.map((row) => row.authorId));
    expect(page.users.map((user) => user.id).sort()).toEqual([...authorIds].sort());
    for (const user of page.users) {
      const stored = store.findUserById(user.id)!;
      expect(user).toEqual<TwitterUserRow>({
        id: stored.id,
        screenName: stored.username,
        name: stored.name,
        description: stored.description || null,
        location: stored.location || null,
        url: stored.url || null,
        profileImageUrl: stored.profileImageUrl,
        verified: stored.verified,
        followersCount: stored.metrics.followers_count,
        followingCount: stored.metrics.following_count,
        tweetCount: stored.metrics.tweet_count,
        listedCount: stored.metrics.listed_count,
        createdAt: new Date(stored.createdAt),
        raw: user.raw,
      });
    }
    expect(page.editedVersions).toEqual([]);

    // The generated timeline has every kind of tweet, so the comparison above covers them all.
    const kinds = (type: string) => page.tweets.filter((row) => row.referencedTweets.some((ref) => ref.type === type));
    expect(kinds('retweeted').length).toBeGreaterThan(0);
    expect(kinds('quoted').length).toBeGreaterThan(0);
    expect(kinds('replied_to').length).toBeGreaterThan(0);
    expect(page.tweets.filter(isLongPost).length).toBeGreaterThan(0);
    expect(page.tweets.filter((row) => row.media.some((m) => m.type === 'photo')).length).toBeGreaterThan(0);
    expect(page.tweets.filter((row) => row.media.some((m) => m.type === 'video')).length).toBeGreaterThan(0);
    expect(page.tweets.filter((row) => /[&<>]/.test(row.text)).length).toBeGreaterThan(0);
  });

  it('v1.1: the same tweets as v2, ids above 2^53 intact', async () => {
    const v2 = mapV2TimelinePage(await fetchV2Page());
    const statuses = await fetchV1Statuses();
    const v1 = mapV1TimelinePage(statuses);
    const v2Rows = byId(v2.tweets);

    expectWellFormed(v1);
    const timeline = v1.tweets.filter((row) => !row.referencedOnly);
    expect(timeline.map((row) => row.id)).toEqual(v2.tweets.filter((row) => !row.referencedOnly).map((row) => row.id));
    expect(timeline.every((row) => BigInt(row.id) > 2n ** 53n)).toBe(true);
    expect(statuses.filter((status) => String(status.id) !== status.id_str).length).toBeGreaterThan(0);

    for (const row of v1.tweets) {
      const same = v2Rows.get(row.id)!;
      expect(same).toBeDefined();
      const shared = (r: TweetRow) => ({
        id: r.id,
        authorId: r.authorId,
        // the fake's v2 dates have milliseconds, its v1.1 dates (like X's) only seconds
        createdAt: toSecond(r.createdAt),
        lang: r.lang,
        inReplyToUserId: r.inReplyToUserId,
        inReplyToTweetId: r.inReplyToTweetId,
        referencedTweets: r.referencedTweets,
        retweetCount: r.retweetCount,
        likeCount: r.likeCount,
        // v1.1 has no view counts
        media: r.media.map(({ public_metrics: _, ...media }) => media),
        source: r.source,
        referencedOnly: r.referencedOnly,
      });
      expect(shared(row)).toEqual(shared(same));
      if (isLongPost(same)) {
        // v1.1 knows no long posts: extended mode cuts them at 280 characters.
        expect(row.text).toBe(Array.from(same.text).slice(0, 279).join('') + '…');
      } else {
        expect(row.text).toBe(same.text);
        expect(comparableEntities(row.entities)).toEqual(comparableEntities(same.entities));
      }
    }
    const v1Users = v1.users.map(({ raw: _, ...user }) => user);
    const v2Users = byId(v2.users.map(({ raw: _, ...user }) => user));
    for (const user of v1Users) expect(user).toEqual(v2Users.get(user.id));
  });

  it('v2: an edited tweet is listed by its newest id, its older ids pointing there', async () => {
    const { store } = fake;
    const first = store.timeline(account.id).find((tweet) => !tweet.references.some((r) => r.type === 'retweeted'))!;
    const second = store.editTweet(first.id, 'Edited: Tom & Jerry <3');
    const third = store.editTweet(second.id, 'Edited again: Tom & Jerry <3');

    const page = mapV2TimelinePage(await fetchV2Page());

    const row = page.tweets.find((tweet) => tweet.id === third.id)!;
    expect(row.text).toBe(third.text);
    expect(row.text.startsWith('Edited again: Tom & Jerry <3')).toBe(true);
    expect(row.editHistoryTweetIds).toEqual([first.id, second.id, third.id]);
    expect(page.tweets.some((tweet) => tweet.id === first.id || tweet.id === second.id)).toBe(false);
    expect(page.editedVersions).toEqual([
      { id: first.id, newestId: third.id },
      { id: second.id, newestId: third.id },
    ]);
  });
});
