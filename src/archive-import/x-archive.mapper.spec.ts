import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TweetRow, TwitterUserRow } from '../tweets/tweets.repository';
import { mapV1TimelinePage, V1Status } from '../x-api/x-api.mapper';
import { ENTRY_WITHOUT_ID, WrittenXArchive, writeBrokenArchive, writeXArchive } from './x-archive.generator';
import {
  attachNoteTexts,
  indexNoteTweets,
  mapArchiveDeletedTweet,
  mapArchiveOwner,
  mapArchiveTweet,
} from './x-archive.mapper';
import { ArchiveError, openXArchive } from './x-archive.reader';

const FILE = 'data/tweets.js';
const EPOCH_MS = 1288834974657n;
const snowflakeTime = (id: string) => Number((BigInt(id) >> 22n) + EPOCH_MS);
const codePoints = (text: string, start: number, end: number) => Array.from(text).slice(start, end).join('');

let dir: string;
let written: WrittenXArchive;
let owner: TwitterUserRow;
let account: any;
let entries: any[];
let rows: TweetRow[];
let noteEntries: unknown[];
let deletedEntries: unknown[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'x-archive-mapper-'));
  written = await writeXArchive(path.join(dir, 'archive'), { seed: 4, deleted: 3 });
  const archive = await openXArchive(path.join(dir, 'archive'));
  try {
    [account] = await archive.readAll('data/account.js');
    const [profile] = await archive.readAll('data/profile.js');
    owner = mapArchiveOwner(account, profile);
    entries = await archive.readAll(FILE);
    noteEntries = await archive.readAll('data/note-tweet.js');
    deletedEntries = await archive.readAll('data/deleted-tweets.js');
  } finally {
    await archive.close();
  }
  rows = entries.map((entry, index) => mapArchiveTweet(entry, owner, index, FILE));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mapArchiveOwner', () => {
  it('maps account.js and profile.js, and keeps no email', () => {
    expect(owner).toEqual({
      id: written.owner.id,
      screenName: written.owner.username,
      name: 'Archive Owner 4 🌿',
      description: 'Writes code & tweets. 東京',
      location: 'Wellington',
      url: 'https://t.co/OwnerSite1',
      profileImageUrl: `https://pbs.twimg.com/profile_images/${written.owner.id}/avatar.jpg`,
      verified: false,
      followersCount: null,
      followingCount: null,
      tweetCount: null,
      listedCount: null,
      createdAt: new Date(account.account.createdAt),
      raw: {
        account: {
          createdVia: 'web',
          username: written.owner.username,
          accountId: written.owner.id,
          createdAt: account.account.createdAt,
          accountDisplayName: 'Archive Owner 4 🌿',
        },
        profile: expect.objectContaining({ avatarMediaUrl: expect.any(String) }),
      },
    });
    expect(account.account.email).toBe('someone@example.com');
    expect(JSON.stringify(owner)).not.toMatch(/someone@example\.com|email/);
  });

  it('does without profile.js, and refuses an account without id', () => {
    const bare = mapArchiveOwner(
      { account: { accountId: '12', username: 'u', createdAt: '2010-01-01T00:00:00' } },
      undefined,
    );
    expect(bare).toMatchObject({
      id: '12',
      name: 'u',
      description: null,
      location: null,
      url: null,
      profileImageUrl: null,
    });
    // An ISO time without an offset is UTC, whatever the process's TZ (Pacific/Chatham in the tests).
    expect(bare.createdAt.toISOString()).toBe('2010-01-01T00:00:00.000Z');
    expect(() => mapArchiveOwner({ account: { username: 'u' } }, undefined)).toThrow(
      new ArchiveError('data/account.js: no accountId'),
    );
  });
});

describe('mapArchiveTweet', () => {
  it('keeps ids exact past 2^53, in order, with the owner as author and created_at from the id', () => {
    expect(rows.map((row) => row.id)).toEqual(written.tweetIds);
    for (const row of rows) {
      expect(row.id).toMatch(/^\d{19}$/);
      expect(BigInt(row.id) > 2n ** 53n).toBe(true);
      expect(row.authorId).toBe(owner.id);
      expect(row.createdAt.getTime()).toBe(Math.floor(snowflakeTime(row.id) / 1000) * 1000);
      expect(row.referencedOnly).toBe(false);
      expect(row.conversationId).toBeNull();
    }
    const exact = mapArchiveTweet(
      {
        tweet: {
          id: '1850000000000000123',
          id_str: '1850000000000000123',
          created_at: 'Sat Oct 26 09:30:00 +0000 2024',
        },
      },
      owner,
      0,
      FILE,
    );
    expect(exact.id).toBe('1850000000000000123');
    expect(exact.text).toBe('');
  });

  it('reads created_at in any offset as UTC', () => {
    const row = rows[3];
    expect((row.raw as any).created_at).toMatch(/ \+0100 /);
    expect(row.createdAt.getTime()).toBe(Math.floor(snowflakeTime(row.id) / 1000) * 1000);
  });

  it('decodes HTML escapes in the text and keeps them in raw', () => {
    const row = rows[6];
    expect(row.text).toMatch(/^Tom & Jerry <3 .* > everything$/);
    expect((row.raw as any).full_text).toMatch(/^Tom &amp; Jerry &lt;3 .* &gt; everything$/);
  });

  it('keeps emoji and CJK text as written', () => {
    expect(Array.from(rows[7].text).length).toBeLessThan(rows[7].text.length);
    expect(rows[8].text).toMatch(/[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/);
    expect(['ja', 'zh', 'ko']).toContain(rows[8].lang);
  });

  it('turns counts from strings into numbers, and leaves unknown counts null', () => {
    for (const [index, row] of rows.entries()) {
      const tweet = entries[index].tweet;
      expect(row.likeCount).toBe(Number(tweet.favorite_count));
      expect(row.retweetCount).toBe(Number(tweet.retweet_count));
      expect([row.replyCount, row.quoteCount, row.bookmarkCount, row.impressionCount]).toEqual([
        null,
        null,
        null,
        null,
      ]);
    }
  });

  it('maps mentions, hashtags, cashtags and urls with numeric spans over the text', () => {
    const row = rows[4];
    const entities = row.entities as any;
    expect(Object.keys(entities).sort()).toEqual(['cashtags', 'hashtags', 'mentions', 'urls']);
    const [mention] = entities.mentions;
    expect(mention).toEqual({
      start: 0,
      end: mention.end,
      username: expect.any(String),
      id: expect.stringMatching(/^\d+$/),
    });
    expect(codePoints(row.text, mention.start, mention.end)).toBe(`@${mention.username}`);
    expect(codePoints(row.text, entities.hashtags[0].start, entities.hashtags[0].end)).toBe(
      `#${entities.hashtags[0].tag}`,
    );
    expect(codePoints(row.text, entities.cashtags[0].start, entities.cashtags[0].end)).toBe('$TSLA');
    const [url] = entities.urls;
    expect(url).toEqual({
      start: expect.any(Number),
      end: expect.any(Number),
      url: expect.stringMatching(/^https:\/\/t\.co\//),
      expanded_url: 'https://example.com/post/4',
      display_url: 'example.com/post/4',
    });
    expect(codePoints(row.text, url.start, url.end)).toBe(url.url);
  });

  it('maps a photo and a video as v2 media, linked from the urls by media key', () => {
    const photo = rows[5];
    const mediaId = entries[5].tweet.extended_entities.media[0].id_str;
    expect(photo.media).toEqual([
      {
        media_key: `3_${mediaId}`,
        type: 'photo',
        url: `https://pbs.twimg.com/media/${mediaId}.jpg`,
        width: 2048,
        height: 1536,
      },
    ]);
    expect((photo.entities as any).urls).toEqual([expect.objectContaining({ media_key: `3_${mediaId}` })]);
    expect(photo.possiblySensitive).toBe(false);

    const video = rows[20];
    expect(video.media).toEqual([
      expect.objectContaining({
        type: 'video',
        preview_image_url: expect.stringContaining('ext_tw_video_thumb'),
        duration_ms: 12345,
        variants: [
          { bit_rate: 832000, content_type: 'video/mp4', url: expect.stringContaining('.mp4') },
          { content_type: 'application/x-mpegURL', url: expect.stringContaining('.m3u8') },
        ],
      }),
    ]);
    expect((video.media[0] as any).media_key).toMatch(/^7_\d+$/);
  });

  it('names the source by its link text', () => {
    for (const row of rows)
      expect(['Twitter Web App', 'Twitter for iPhone', 'Twitter for Android']).toContain(row.source);
  });

  it('maps a reply to its parent', () => {
    const row = rows[1];
    const tweet = entries[1].tweet;
    expect(row.inReplyToTweetId).toBe(tweet.in_reply_to_status_id_str);
    expect(row.inReplyToUserId).toBe(tweet.in_reply_to_user_id_str);
    expect(row.referencedTweets).toEqual([{ type: 'replied_to', id: tweet.in_reply_to_status_id_str }]);
    expect(row.text.startsWith(`@${tweet.in_reply_to_screen_name} `)).toBe(true);
  });

  it('keeps a retweet as its text says, naming no original', () => {
    const row = rows[2];
    expect(row.text).toMatch(/^RT @\w+: .*…$/);
    expect(Array.from(row.text)).toHaveLength(140);
    expect(row.referencedTweets).toEqual([]);
    expect(row.inReplyToTweetId).toBeNull();
  });

  it('takes the edit history from edit_info, oldest first, on both versions', () => {
    const [edited, initial] = [rows[9], rows[10]];
    expect(initial.editHistoryTweetIds).toEqual([initial.id, edited.id]);
    expect(edited.editHistoryTweetIds).toEqual([initial.id, edited.id]);
    expect(edited.text).toBe('Launch moved to 11:00 UTC tomorrow (corrected)');
    expect(rows[0].editHistoryTweetIds).toEqual([rows[0].id]);
    const unordered = mapArchiveTweet(
      {
        tweet: {
          id_str: '1850000000000000200',
          created_at: 'Sat Oct 26 09:30:00 +0000 2024',
          edit_info: { edit: { initialTweetId: '1850000000000000100' } },
        },
      },
      owner,
      0,
      FILE,
    );
    expect(unordered.editHistoryTweetIds).toEqual(['1850000000000000100', '1850000000000000200']);
  });

  it('keeps the archive object as raw', () => {
    for (const [index, row] of rows.entries()) expect(row.raw).toBe(entries[index].tweet);
  });

  it('maps like a v1.1 sync of the same tweet, raw and edit history aside', () => {
    for (const [index, row] of rows.entries()) {
      const tweet = entries[index].tweet;
      const status: V1Status = JSON.parse(JSON.stringify(tweet), (key, value: unknown) =>
        typeof value === 'string' && /^\d+$/.test(value) && /count|indices|^\d+$|^[wh]$|bitrate|duration/.test(key)
          ? Number(value)
          : value,
      );
      status.user = {
        id_str: owner.id,
        screen_name: owner.screenName,
        name: owner.name,
        created_at: 'Sun Mar 01 12:00:00 +0000 2009',
      };
      const [synced] = mapV1TimelinePage([status]).tweets;
      expect({ ...row, raw: null, editHistoryTweetIds: null }).toEqual({
        ...synced,
        raw: null,
        editHistoryTweetIds: null,
      });
    }
  });

  it('refuses an entry without a usable id or date, naming the file and the entry', async () => {
    const broken = path.join(dir, 'without-id');
    await writeBrokenArchive(broken, 'entry-without-id', { zip: false });
    const archive = await openXArchive(broken);
    const brokenEntries = await archive.readAll(FILE);
    await archive.close();
    expect(() => brokenEntries.map((entry, index) => mapArchiveTweet(entry, owner, index, FILE))).toThrow(
      new ArchiveError(`data/tweets.js: entry ${ENTRY_WITHOUT_ID} has no tweet id`),
    );
    expect(() => mapArchiveTweet({ tweet: { id_str: '12a' } }, owner, 3, FILE)).toThrow(
      new ArchiveError('data/tweets.js: entry 3 has no tweet id'),
    );
    expect(() => mapArchiveTweet({ tweet: { id: 1850000000000000000 } }, owner, 4, FILE)).toThrow(
      new ArchiveError('data/tweets.js: entry 4 has no tweet id'),
    );
    expect(() => mapArchiveTweet('nonsense', owner, 5, FILE)).toThrow(
      new ArchiveError('data/tweets.js: entry 5 is not a tweet'),
    );
    const badDate = (() => {
      try {
        mapArchiveTweet({ tweet: { id_str: '7', created_at: 'yesterday' } }, owner, 6, FILE);
      } catch (error) {
        return error as ArchiveError;
      }
    })();
    expect(badDate).toBeInstanceOf(ArchiveError);
    expect(badDate?.message).toBe('data/tweets.js: entry 6 (tweet 7): not a v1.1 date: yesterday');
  });
});

describe('attachNoteTexts', () => {
  it("replaces a long post's cut text by its note's whole text, batch by batch", () => {
    const notes = indexNoteTweets(noteEntries);
    expect(written.noteIds).toEqual([rows[12].id, rows[37].id]);
    const attached = [...attachNoteTexts(rows.slice(0, 20), notes), ...attachNoteTexts(rows.slice(20), notes)];
    expect(attached).toEqual(attachNoteTexts(rows, notes));
    for (const [index, row] of attached.entries()) {
      if (!written.noteIds.includes(row.id)) {
        expect(row).toBe(rows[index]);
        continue;
      }
      const note = (noteEntries as any[]).find((entry) => entry.noteTweet.createdAt === row.createdAt.toISOString());
      expect(rows[index].text).toMatch(/… https:\/\/t\.co\/\w+$/);
      expect(row.text).toBe(note.noteTweet.core.text.replace('&amp;', '&'));
      expect(row.text.endsWith('Thread & notes.')).toBe(true);
      expect(Array.from(row.text).length).toBeGreaterThan(280);
      expect(row.raw).toBe(rows[index].raw);
    }
  });

  it('leaves a tweet alone when no note of its second starts with its text', () => {
    const row = rows[12];
    const second = Math.floor(row.createdAt.getTime() / 1000);
    const elsewhere = indexNoteTweets([
      { noteTweet: { createdAt: new Date((second + 1) * 1000).toISOString(), core: { text: row.text } } },
    ]);
    const different = indexNoteTweets([
      { noteTweet: { createdAt: row.createdAt.toISOString(), core: { text: 'Something else entirely' } } },
    ]);
    expect(attachNoteTexts([row], elsewhere)[0]).toBe(row);
    expect(attachNoteTexts([row], different)[0]).toBe(row);
    expect(indexNoteTweets([null, { noteTweet: { createdAt: 'never' } }, { other: 1 }]).size).toBe(0);
  });
});

describe('mapArchiveDeletedTweet', () => {
  it('maps the tweet and when it was deleted', () => {
    const deleted = deletedEntries.map((entry, index) =>
      mapArchiveDeletedTweet(entry, owner, index, 'data/deleted-tweets.js'),
    );
    expect(deleted.map(({ row }) => row.id)).toEqual(written.deletedIds);
    for (const { row, deletedAt } of deleted) {
      expect(row.authorId).toBe(owner.id);
      expect(deletedAt.getTime() - row.createdAt.getTime()).toBe(86_400_000);
      expect(written.tweetIds).not.toContain(row.id);
    }
    expect(() =>
      mapArchiveDeletedTweet(
        { tweet: { id_str: '9', created_at: 'Sat Oct 26 09:30:00 +0000 2024' } },
        owner,
        2,
        'data/deleted-tweets.js',
      ),
    ).toThrow(new ArchiveError('data/deleted-tweets.js: entry 2 (tweet 9) has no valid deleted_at'));
  });
});
