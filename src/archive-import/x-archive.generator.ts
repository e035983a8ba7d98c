import { once } from 'node:events';
import { createWriteStream, WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yazl from 'yazl';

/*
 * Synthetic X archives for tests, in the format X delivers (data/*.js files, each
 * `window.YTD.<name>.partN = [ … ]`, every number a string; see README, "Importing the X archive").
 * Test support: the service never imports this file.
 */

export interface XArchiveOptions {
  /** the same seed gives the same archive, byte for byte */
  seed?: number;
  /** tweets in the tweet files, newest first (default 50) */
  tweets?: number;
  /** tweet files: tweets.js, tweets-part1.js, … (default 1) */
  parts?: number;
  /** data/tweet.js and window.YTD.tweet.part0, as archives from before 2022 have it */
  legacyName?: boolean;
  /** entries of data/deleted-tweets.js (default 0: no such file) */
  deleted?: number;
  /** a zip file at the target (default: a folder) */
  zip?: boolean;
}

export interface WrittenXArchive {
  owner: { id: string; username: string };
  /** the tweets of the tweet files, newest first */
  tweetIds: string[];
  deletedIds: string[];
  /** the tweets that are long posts, whose whole text is in data/note-tweet.js */
  noteIds: string[];
  /** bytes of the tweet files (uncompressed) */
  bytes: number;
}

/** Writes a synthetic archive at `target`: a folder, or a zip file with `zip: true`. */
export async function writeXArchive(target: string, options: XArchiveOptions = {}): Promise<WrittenXArchive> {
  if (!options.zip) return writeArchiveFolder(target, options);
  // The files go to disk first so that yazl streams them: a large archive never sits in memory.
  const folder = await mkdtemp(path.join(tmpdir(), 'x-archive-'));
  try {
    const written = await writeArchiveFolder(folder, options);
    await zipFolder(folder, target);
    return written;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export type BrokenArchiveKind =
  | 'not-a-zip'
  | 'no-tweets'
  | 'truncated-json'
  | 'malformed-json'
  | 'entry-without-id'
  | 'path-traversal'
  | 'backslash-entry'
  | 'absolute-entry';

/** The tweet index writeBrokenArchive('entry-without-id') strips the ids of. */
export const ENTRY_WITHOUT_ID = 17;

/** An archive broken the way `kind` says; a zip unless `zip: false` (not-a-zip is a plain file either way). */
export async function writeBrokenArchive(
  target: string,
  kind: BrokenArchiveKind,
  { zip = true }: { zip?: boolean } = {},
): Promise<void> {
  switch (kind) {
    case 'not-a-zip':
      return writeFile(target, 'This is a text file, not a zip.\n');
    // yazl refuses these names, rightly: such zips are written by hand.
    case 'path-traversal':
      return writeStoredZip(target, [...TINY_ARCHIVE, ['../evil.js', 'window.evil = [];']]);
    case 'backslash-entry':
      return writeStoredZip(target, [...TINY_ARCHIVE, ['data\\..\\..\\evil.js', 'window.evil = [];']]);
    case 'absolute-entry':
      return writeStoredZip(target, [...TINY_ARCHIVE, ['/tmp/evil.js', 'window.evil = [];']]);
  }
  const folder = zip ? await mkdtemp(path.join(tmpdir(), 'x-archive-')) : target;
  try {
    const tweetsJs = path.join(folder, 'data', 'tweets.js');
    if (kind === 'entry-without-id') {
      await writeArchiveFolder(folder, { tweets: 20 }, (tweet, index) => {
        if (index === ENTRY_WITHOUT_ID) {
          delete tweet.id;
          delete tweet.id_str;
        }
      });
    } else {
      await writeArchiveFolder(folder, { tweets: 20 });
    }
    if (kind === 'no-tweets') await rm(tweetsJs);
    if (kind === 'truncated-json') await truncate(tweetsJs, Math.floor((await readFile(tweetsJs)).length * 0.6));
    if (kind === 'malformed-json') {
      // The third tweet's "lang" loses its colon.
      const text = await readFile(tweetsJs, 'utf8');
      let at = -1;
      for (let n = 0; n < 3; n++) at = text.indexOf('"lang" : ', at + 1);
      await writeFile(tweetsJs, text.slice(0, at) + '"lang" ' + text.slice(at + '"lang" : '.length));
    }
    if (zip) await zipFolder(folder, target);
  } finally {
    if (zip) await rm(folder, { recursive: true, force: true });
  }
}

const TINY_ARCHIVE: [string, string][] = [
  ['data/account.js', 'window.YTD.account.part0 = []'],
  ['data/tweets.js', 'window.YTD.tweets.part0 = []'],
];

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z). */
const EPOCH_MS = 1288834974657n;
/** The newest tweet's time; tweets go back from it about 15 minutes apart (100,000 reach 2022, ids stay 19 digits). */
const NEWEST_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
const SPACING_S = 900;

const FRIENDS = [
  { id: '783214', screen_name: 'X', name: 'X' },
  { id: '11348282', screen_name: 'NASA', name: 'NASA' },
  { id: '1605', screen_name: 'sama', name: 'Sam' },
  { id: '6253282', screen_name: 'XDevelopers', name: 'Developers' },
];
const PHRASES = [
  'Shipping the new release today',
  'Reading about distributed systems on the train',
  'Coffee first, then the migration',
  'The rate limit reset at last',
  'A long walk by the harbour this morning',
  'Benchmarks look better than expected',
  'Notes from the meetup are up',
  'Refactoring the sync loop, one test at a time',
];
const EMOJI = ['🚀', '☕', '👩🏽‍💻', '🎉', '🌊', '🇳🇿'];
const CJK = ['今日はいい天気ですね', '新しいバージョンを公開しました', '我们发布了新版本', '오늘 날씨가 좋네요'];
const SOURCES = [
  '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
  '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
  '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
];

type Json = Record<string, unknown>;
type Mutate = (tweet: Json, index: number) => void;

async function writeArchiveFolder(folder: string, options: XArchiveOptions, mutate?: Mutate): Promise<WrittenXArchive> {
  const seed = options.seed ?? 1;
  const count = options.tweets ?? 50;
  const parts = Math.max(1, Math.min(options.parts ?? 1, count || 1));
  const base = options.legacyName ? 'tweet' : 'tweets';
  const data = path.join(folder, 'data');
  await mkdir(path.join(data, 'tweets_media'), { recursive: true });

  const owner = { id: String(100000 + (seed % 900000)), username: `archive_${seed}` };
  const ownerCreatedAt = new Date(Date.UTC(2009, 2, 1, 12, 0, 0) + (seed % 1000) * 86_400_000);
  await writeRecordFile(path.join(data, 'account.js'), 'account', 0, [
    {
      account: {
        email: 'someone@example.com',
        createdVia: 'web',
        username: owner.username,
        accountId: owner.id,
        createdAt: ownerCreatedAt.toISOString(),
        accountDisplayName: `Archive Owner ${seed} 🌿`,
      },
    },
  ]);
  await writeRecordFile(path.join(data, 'profile.js'), 'profile', 0, [
    {
      profile: {
        description: {
          bio: 'Writes code & tweets. 東京',
          website: 'https://t.co/OwnerSite1',
          location: 'Wellington',
        },
        avatarMediaUrl: `https://pbs.twimg.com/profile_images/${owner.id}/avatar.jpg`,
        headerMediaUrl: `https://pbs.twimg.com/profile_banners/${owner.id}/1600000000`,
      },
    },
  ]);
  // Files an importer must pass over.
  await writeRecordFile(path.join(data, 'like.js'), 'like', 0, [
    { like: { tweetId: '20', fullText: 'just setting up' } },
  ]);
  await writeFile(path.join(data, 'tweets_media', `${owner.id}-photo.jpg`), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  await writeFile(path.join(folder, 'Your archive.html'), '<html><body>Your archive</body></html>\n');

  const tweetIds: string[] = [];
  const noteIds: string[] = [];
  let bytes = 0;
  const notes = new RecordWriter(path.join(data, 'note-tweet.js'), 'note_tweet', 0);
  for (let part = 0; part < parts; part++) {
    const name = part === 0 ? `${base}.js` : `${base}-part${part}.js`;
    const writer = new RecordWriter(path.join(data, name), base, part);
    // Tweets are made one at a time, straight to the file.
    for (let index = Math.floor((part * count) / parts); index < Math.floor(((part + 1) * count) / parts); index++) {
      const { tweet, note } = makeTweet(seed, index, owner.username);
      mutate?.(tweet, index);
      if (typeof tweet.id_str === 'string') tweetIds.push(tweet.id_str);
      if (note) {
        noteIds.push(String(tweet.id_str));
        await notes.write({ noteTweet: note });
      }
      await writer.write({ tweet });
    }
    bytes += await writer.end();
  }
  await notes.end();

  const deletedIds: string[] = [];
  if (options.deleted) {
    const writer = new RecordWriter(path.join(data, 'deleted-tweets.js'), 'deleted_tweets', 0);
    for (let index = 0; index < options.deleted; index++) {
      // Between two kept tweets, so that ids never collide; deleted a day later.
      const ms = tweetTime(seed, index) - (SPACING_S / 2) * 1000;
      const { tweet } = makeTweet(seed + 7919, index, owner.username, { ms, plain: true });
      tweet.deleted_at = v1Date(ms + 86_400_000);
      deletedIds.push(String(tweet.id_str));
      await writer.write({ tweet });
    }
    await writer.end();
  }
  return { owner, tweetIds, deletedIds, noteIds, bytes };
}

/** A record file written as it goes: `window.YTD.<name>.part<N> = [ … ]`, with X's pretty-printing. */
class RecordWriter {
  private readonly stream: WriteStream;
  private first = true;

  constructor(file: string, name: string, part: number) {
    this.stream = createWriteStream(file);
    this.stream.write(`window.YTD.${name}.part${part} = [`);
  }

  async write(element: Json): Promise<void> {
    // X's layout: one element per indented block, `"key" : value`.
    const json = JSON.stringify(element, null, 2).replace(/^( *"[^"\n]*"): /gm, '$1 : ');
    const text = (this.first ? '\n  ' : ',\n  ') + json.replace(/\n/g, '\n  ');
    this.first = false;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** Closes the array and the file; the bytes written. */
  async end(): Promise<number> {
    this.stream.end(this.first ? ' ]' : '\n]');
    await finished(this.stream);
    return this.stream.bytesWritten;
  }
}

async function writeRecordFile(file: string, name: string, part: number, elements: Json[]): Promise<void> {
  const writer = new RecordWriter(file, name, part);
  for (const element of elements) await writer.write(element);
  await writer.end();
}

async function zipFolder(folder: string, target: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const add = async (relative: string) => {
    for (const entry of await readdir(path.join(folder, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await add(name);
      else zip.addFile(path.join(folder, name), name);
    }
  };
  await add('');
  zip.end();
  const output = createWriteStream(target);
  zip.outputStream.pipe(output);
  await finished(output);
}

/** A zip of stored (uncompressed) entries with whatever names it is given, however unsafe. */
async function writeStoredZip(target: string, entries: [string, string][]): Promise<void> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const content = Buffer.from(text, 'utf8');
    const checksum = crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(content.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    local.copy(central, 6, 4, 30); // version needed … name length, as in the local header
    central.writeUInt16LE(0, 30); // extra, comment, disk, attributes: none
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, content);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + content.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(target, Buffer.concat([...locals, directory, end]));
}

/** A small deterministic generator (mulberry32), one per tweet so that any tweet can be made alone. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tweetRandom(seed: number, index: number): () => number {
  return randomSource(Math.imul(seed, 0x9e3779b1) ^ index);
}

/** Whole seconds, strictly decreasing with the index: less than SPACING_S of jitter. */
function tweetTime(seed: number, index: number): number {
  const jitter = Math.floor(tweetRandom(seed, index)() * (SPACING_S / 2));
  return NEWEST_MS - (index * SPACING_S + jitter) * 1000;
}

function snowflake(ms: number, lowBits: number): string {
  return (((BigInt(ms) - EPOCH_MS) << 22n) | BigInt(lowBits & 0x3fffff)).toString();
}

function tweetId(seed: number, index: number, ms = tweetTime(seed, index)): string {
  return snowflake(ms, index * 7 + seed);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Sat Oct 26 09:30:00 +0000 2024"; with an offset in minutes, the local time and its "+hhmm". */
function v1Date(ms: number, offsetMinutes = 0): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const pad = (value: number) => String(value).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}${pad(Math.abs(offsetMinutes) % 60)}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${DAYS[local.getUTCDay()]} ${MONTHS[local.getUTCMonth()]} ${pad(local.getUTCDate())} ${time} ${offset} ${local.getUTCFullYear()}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function tco(random: () => number): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += BASE62[Math.floor(random() * 62)];
  return `https://t.co/${code}`;
}

/** Text assembled piece by piece, entity spans counted in code points as X counts them. */
class TextBuilder {
  text = '';
  private length = 0;

  add(piece: string): [string, string] {
    const start = this.length;
    this.text += piece;
    this.length += Array.from(piece).length;
    return [String(start), String(this.length)];
  }
}

/**
 * Tweet `index` (0 = newest) of an archive: the kind follows the index so that even 50 tweets hold
 * every case the importer must handle.
 */
function makeTweet(
  seed: number,
  index: number,
  username: string,
  { ms = tweetTime(seed, index), plain = false }: { ms?: number; plain?: boolean } = {},
): { tweet: Json; note?: Json } {
  const random = tweetRandom(seed, index + 1_000_000);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const id = tweetId(seed, index, ms);
  const builder = new TextBuilder();
  const entities: { hashtags: Json[]; symbols: Json[]; user_mentions: Json[]; urls: Json[]; media?: Json[] } = {
    hashtags: [],
    symbols: [],
    user_mentions: [],
    urls: [],
  };
  const tweet: Json = {
    edit_info: {
      initial: {
        editTweetIds: [id],
        editableUntil: new Date(ms + 3_600_000).toISOString(),
        editsRemaining: '5',
        isEditEligible: false,
      },
    },
    retweeted: false,
    source: pick(SOURCES),
    entities,
    display_text_range: ['0', '0'],
    favorite_count: String(Math.floor(random() * 5000)),
    id_str: id,
    truncated: false,
    retweet_count: String(Math.floor(random() * 300)),
    id,
    created_at: v1Date(ms),
    favorited: false,
    full_text: '',
    lang: 'en',
  };
  let note: Json | undefined;
  const mention = (friend: (typeof FRIENDS)[number], prefix: string) => {
    builder.add(prefix);
    const indices = builder.add(`@${friend.screen_name}`);
    entities.user_mentions.push({
      name: friend.name,
      screen_name: friend.screen_name,
      indices,
      id_str: friend.id,
      id: friend.id,
    });
  };

  const kind = plain ? 0 : index % 10;
  if (plain) {
    builder.add(`${pick(PHRASES)}, on second thoughts.`);
  } else if (index === 3) {
    // Posted from a +0100 zone: the same instant, written in local time.
    builder.add(`${pick(PHRASES)}, written an hour ahead of UTC`);
    tweet.created_at = v1Date(ms, 60);
  } else if (index === 9 || index === 10) {
    // An edit: 10 is the first version, 9 the edited one; each lists both.
    const initialId = tweetId(seed, 10);
    const versions = [initialId, tweetId(seed, 9)];
    const control = {
      editTweetIds: versions,
      editableUntil: new Date(tweetTime(seed, 10) + 3_600_000).toISOString(),
      editsRemaining: '4',
      isEditEligible: true,
    };
    builder.add(index === 10 ? 'Launch moved to 10:00 UTC tomorrow' : 'Launch moved to 11:00 UTC tomorrow (corrected)');
    tweet.edit_info =
      index === 10 ? { initial: control } : { edit: { initialTweetId: initialId, editControlInitial: control } };
  } else if (index % 25 === 12) {
    // A long post: tweets.js has its first 270 characters and a link, note-tweet.js the whole text.
    const whole =
      Array.from({ length: 12 }, () => `${pick(PHRASES)} ${pick(EMOJI)}.`).join(' ') + ' Thread &amp; notes.';
    const link = tco(random);
    builder.add(Array.from(whole).slice(0, 270).join('') + '… ');
    const indices = builder.add(link);
    entities.urls.push({
      url: link,
      expanded_url: `https://twitter.com/i/web/status/${id}`,
      display_url: `twitter.com/i/web/status/${id.slice(0, 7)}…`,
      indices,
    });
    note = {
      noteTweetId: snowflake(ms, index * 13 + 5),
      createdAt: new Date(ms).toISOString(),
      updatedAt: new Date(ms).toISOString(),
      lifecycle: { value: 'Create', name: 'Create', originalName: 'Create', annotations: {} },
      core: { styletags: [], urls: [], text: whole, mentions: [], cashtags: [], hashtags: [] },
    };
  } else if (kind === 1) {
    const friend = pick(FRIENDS);
    mention(friend, '');
    builder.add(` ${pick(PHRASES).toLowerCase()}, thanks!`);
    tweet.in_reply_to_status_id_str = snowflake(ms - 3_600_000, index);
    tweet.in_reply_to_status_id = tweet.in_reply_to_status_id_str;
    tweet.in_reply_to_user_id = friend.id;
    tweet.in_reply_to_user_id_str = friend.id;
    tweet.in_reply_to_screen_name = friend.screen_name;
  } else if (kind === 2) {
    // A low-fidelity retweet: the original cut at 140 characters, its author only as a mention.
    const friend = pick(FRIENDS);
    mention(friend, 'RT ');
    const original = `${pick(PHRASES)}. ${pick(PHRASES)}. ${pick(PHRASES)}. ${pick(PHRASES)}.`;
    const room = 140 - Array.from(builder.text).length - 2;
    builder.add(
      `: ${Array.from(original)
        .slice(0, room - 1)
        .join('')}…`,
    );
  } else if (kind === 4) {
    const tag = pick(['Artemis', 'TypeScript', 'OpenSource']);
    mention(pick(FRIENDS), '');
    builder.add(` ${pick(PHRASES)} `);
    entities.hashtags.push({ text: tag, indices: builder.add(`#${tag}`) });
    builder.add(' ');
    entities.symbols.push({ text: 'TSLA', indices: builder.add('$TSLA') });
    builder.add(' ');
    const link = tco(random);
    entities.urls.push({
      url: link,
      expanded_url: 'https://example.com/post/' + index,
      display_url: 'example.com/post/' + index,
      indices: builder.add(link),
    });
  } else if (kind === 5 || index % 50 === 20) {
    builder.add(`${pick(PHRASES)} `);
    const link = tco(random);
    const video = kind !== 5;
    const mediaId = snowflake(ms - 1000, index);
    const media: Json = {
      expanded_url: `https://x.com/${username}/status/${id}/${video ? 'video' : 'photo'}/1`,
      indices: builder.add(link),
      url: link,
      media_url_https: `https://pbs.twimg.com/${video ? 'ext_tw_video_thumb' : 'media'}/${mediaId}.jpg`,
      id_str: mediaId,
      id: mediaId,
      type: video ? 'video' : 'photo',
      sizes: {
        thumb: { w: '150', h: '150', resize: 'crop' },
        small: { w: '680', h: '510', resize: 'fit' },
        medium: { w: '1200', h: '900', resize: 'fit' },
        large: { w: '2048', h: '1536', resize: 'fit' },
      },
      display_url: `pic.x.com/${link.slice(-10)}`,
    };
    if (video) {
      media.video_info = {
        aspect_ratio: ['16', '9'],
        duration_millis: '12345',
        variants: [
          {
            bitrate: '832000',
            content_type: 'video/mp4',
            url: `https://video.twimg.com/ext_tw_video/${mediaId}/vid/640x360/a.mp4`,
          },
          { content_type: 'application/x-mpegURL', url: `https://video.twimg.com/ext_tw_video/${mediaId}/pl/a.m3u8` },
        ],
      };
    }
    entities.media = [media];
    tweet.extended_entities = { media: [media] };
    tweet.possibly_sensitive = false;
  } else if (kind === 6) {
    builder.add(`Tom &amp; Jerry &lt;3 ${pick(PHRASES)} &gt; everything`);
  } else if (kind === 7) {
    builder.add(`${pick(PHRASES)} ${pick(EMOJI)}${pick(EMOJI)}`);
  } else if (kind === 8) {
    const text = pick(CJK);
    builder.add(text);
    tweet.lang = /[\uac00-\ud7af]/.test(text) ? 'ko' : /[\u3040-\u30ff]/.test(text) ? 'ja' : 'zh';
  } else {
    builder.add(`${pick(PHRASES)}.`);
  }
  tweet.full_text = builder.text;
  tweet.display_text_range = ['0', String(Array.from(builder.text).length)];
  return { tweet, note };
}
