import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import yauzl from 'yauzl';

/** Every way an archive can be unusable, in words its owner understands. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The record files of an X archive (a zip or an unpacked folder), read without executing them. */
export interface XArchive {
  /** The data/*.js names present, e.g. 'data/tweets.js'. */
  files: string[];
  /** The tweet files in order: data/tweets.js, data/tweets-part1.js, … (data/tweet.js, … in old archives). */
  tweetFiles: string[];
  /** Uncompressed bytes of these files (0 for a name not present), for a progress bar. */
  totalBytes(files: string[]): number;
  /** The elements of the file's array, streamed; onBytes gets the raw bytes read as they are read. ArchiveError for a file not present. */
  records(file: string, onBytes?: (bytes: number) => void): AsyncIterable<unknown>;
  /** The whole array of a small file (account.js, profile.js, note-tweet.js); [] when it is missing. */
  readAll(file: string): Promise<unknown[]>;
  close(): Promise<void>;
}

/** A record file: its size and how to read its bytes. */
interface RecordFile {
  size: number;
  open(): Promise<Readable>;
}

const RECORD_FILE = /^data\/[^/]+\.js$/;

/** Opens a zip file or an unpacked archive folder (the one holding `data/`). */
export async function openXArchive(archivePath: string): Promise<XArchive> {
  const stats = await stat(archivePath).catch((error: unknown) => {
    throw new ArchiveError(`no such file or folder: ${archivePath}`, { cause: error });
  });
  if (stats.isDirectory()) return archiveOf(await folderFiles(archivePath), () => Promise.resolve());
  if (!stats.isFile()) throw new ArchiveError(`not a zip file or archive folder: ${archivePath}`);

  const zip = await yauzl
    // Names are decoded below, so that they are checked as the zip spells them (backslashes kept).
    .openPromise(archivePath, { lazyEntries: true, autoClose: false, decodeStrings: false })
    .catch((error: unknown) => {
      throw new ArchiveError(`not a zip file or archive folder: ${archivePath}`, { cause: error });
    });
  try {
    return archiveOf(await zipFiles(zip, archivePath), () => Promise.resolve(zip.close()));
  } catch (error) {
    zip.close();
    throw error;
  }
}

async function folderFiles(folder: string): Promise<Map<string, RecordFile>> {
  const names = await readdir(path.join(folder, 'data')).catch((error: unknown) => {
    throw new ArchiveError(`not an X archive folder (no data/ inside): ${folder}`, { cause: error });
  });
  const files = new Map<string, RecordFile>();
  for (const name of names.sort()) {
    if (!RECORD_FILE.test(`data/${name}`)) continue;
    const file = path.join(folder, 'data', name);
    const stats = await stat(file);
    if (stats.isFile())
      files.set(`data/${name}`, { size: stats.size, open: () => Promise.resolve(createReadStream(file)) });
  }
  return files;
}

async function zipFiles(zip: yauzl.ZipFile, zipPath: string): Promise<Map<string, RecordFile>> {
  const files = new Map<string, RecordFile>();
  try {
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      // Every entry is checked, media included: a zip that tries to escape is not one to trust.
      if (unsafeEntryName(name)) throw new ArchiveError(`zip entry "${name}" leaves the archive folder: refused`);
      if (RECORD_FILE.test(name)) {
        files.set(name, { size: entry.uncompressedSize, open: () => zip.openReadStreamPromise(entry) });
      }
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(`${zipPath}: damaged zip file (${(error as Error).message})`, { cause: error });
  }
  return files;
}

/** Absolute (/x, C:x), climbing (..), or with a backslash that some unzippers read as a separator. */
function unsafeEntryName(name: string): boolean {
  return name.includes('\\') || /^([a-zA-Z]:|\/)/.test(name) || name.split('/').includes('..');
}

function archiveOf(files: Map<string, RecordFile>, close: () => Promise<void>): XArchive {
  const tweetFiles = tweetFilesOf([...files.keys()]);
  if (tweetFiles.length === 0) throw new ArchiveError('the archive has no data/tweets.js (nor data/tweet.js)');

  const records = (file: string, onBytes?: (bytes: number) => void): AsyncIterable<unknown> => {
    const recordFile = files.get(file);
    if (!recordFile) throw new ArchiveError(`the archive has no ${file}`);
    return streamRecords(file, recordFile, onBytes);
  };
  return {
    files: [...files.keys()],
    tweetFiles,
    totalBytes: (names) => names.reduce((sum, name) => sum + (files.get(name)?.size ?? 0), 0),
    records,
    readAll: async (file) => {
      if (!files.has(file)) return [];
      const all: unknown[] = [];
      for await (const record of records(file)) all.push(record);
      return all;
    },
    close,
  };
}

/** tweets.js then tweets-part1.js, tweets-part2.js… by number; tweet.js and its parts when there is no tweets.js. */
function tweetFilesOf(names: string[]): string[] {
  for (const base of ['tweets', 'tweet']) {
    const part = new RegExp(`^data/${base}(?:-part(\\d+))?\\.js$`);
    const parts = names.flatMap((name) => {
      const match = part.exec(name);
      return match ? [{ name, number: match[1] === undefined ? 0 : Number(match[1]) }] : [];
    });
    if (parts.length) return parts.sort((a, b) => a.number - b.number).map(({ name }) => name);
  }
  return [];
}

async function* streamRecords(
  file: string,
  recordFile: RecordFile,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<unknown> {
  let bytesRead = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesRead += chunk.length;
      onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  let source: Readable;
  try {
    source = await recordFile.open();
  } catch (error) {
    throw new ArchiveError(`${file}: cannot be read (${(error as Error).message})`, { cause: error });
  }
  // Pipeline passes a stage's error on to the others: the first one to fail is where it came from.
  let failed: 'read' | 'parse' | undefined;
  const json = parser.asStream();
  source.once('error', () => (failed ??= 'read'));
  json.once('error', () => (failed ??= 'parse'));
  // Any failure of a stage destroys the others; iterating the last one then throws it.
  const items = pipeline(source, counter, new ArrayOnly(file), json, streamArray.asStream(), () => {}) as Readable;
  try {
    for await (const item of items) yield (item as { value: unknown }).value;
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    // A zip entry that fails its checks (size, CRC, inflate) is damage, not bad JSON.
    if (failed === 'read')
      throw new ArchiveError(`${file}: cannot be read (${(error as Error).message})`, { cause: error });
    // The parser's own errors say nothing of where; the bytes read so far bound the place.
    const reason = (error as Error).message.replace(/^Parser (cannot parse input: )?/, '');
    throw new ArchiveError(
      `${file}: not valid JSON at or before byte ${bytesRead} (truncated or malformed: ${reason})`,
      { cause: error },
    );
  } finally {
    items.destroy();
  }
}

/**
 * `window.YTD.tweets.part0 = [ … ];` down to `[ … ]`: drops what precedes the first `[`, and holds
 * back trailing whitespace and `;` until more text follows, so that a final `;` never reaches the parser.
 */
class ArrayOnly extends Transform {
  private started = false;
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.started) {
      const start = chunk.indexOf('[');
      if (start === -1) return callback();
      this.started = true;
      chunk = chunk.subarray(start);
    }
    const text = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    let end = text.length;
    while (end > 0 && TRAILING.has(text[end - 1])) end--;
    this.held = text.subarray(end);
    callback(null, text.subarray(0, end));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.started)
      return callback(new ArchiveError(`${this.file}: no JSON array in the file (not an X archive record file)`));
    callback();
  }
}

const TRAILING = new Set([...' \t\r\n;'].map((char) => char.charCodeAt(0)));
