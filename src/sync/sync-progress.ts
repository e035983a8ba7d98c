/**
 * What of an account's timeline is stored, so that a sync stopped at any page (rate limit, error,
 * shutdown, crash) resumes without fetching a stored page again and without leaving a gap.
 *
 * Everything at or below `sinceId` is stored. Above it, `ranges` are stretches stored by runs that
 * stopped early; between them are gaps. Ids are compared as BigInt: they pass 2^53.
 */
export interface SyncProgress {
  sinceId: string | null;
  /** Newest first, disjoint, all above sinceId; each holds every tweet from oldest to newest. */
  ranges: IdRange[];
  /** Timeline tweets stored while sinceId is null: the first backfill stops at SYNC_MAX_BACKFILL. */
  backfilled: number;
}

export interface IdRange {
  oldest: string;
  newest: string;
}

/** Tweets not yet stored: those strictly between sinceId and untilId (an absent bound is open). */
export interface Gap {
  sinceId?: string;
  untilId?: string;
}

export const NOTHING_STORED: SyncProgress = { sinceId: null, ranges: [], backfilled: 0 };

/** Tweets newer than anything stored. */
export function topGap(progress: SyncProgress): Gap {
  return { sinceId: progress.ranges[0]?.newest ?? progress.sinceId ?? undefined };
}

/** The newest gap below the stored ranges, or null when none is left. */
export function olderGap(progress: SyncProgress): Gap | null {
  const [above, below] = progress.ranges;
  if (!above) return null;
  return { sinceId: below?.newest ?? progress.sinceId ?? undefined, untilId: above.oldest };
}

/** Whether nothing is missing: the cursor alone describes what is stored. */
export function isComplete(progress: SyncProgress): boolean {
  return progress.sinceId !== null && progress.ranges.length === 0;
}

export function newestStoredId(progress: SyncProgress): string | null {
  return progress.ranges[0]?.newest ?? progress.sinceId;
}

/**
 * The progress after one page of `gap` was stored: `ids` are its timeline tweets, newest first.
 * `complete` says the page reached the gap's lower bound (or the end of the backfill). Returns the
 * part of the gap still missing, for the next page's bookkeeping.
 */
export function recordPage(
  progress: SyncProgress,
  gap: Gap,
  ids: string[],
  complete: boolean,
): { progress: SyncProgress; gap: Gap } {
  const ranges = progress.ranges.map((range) => ({ ...range }));
  const backfilled = progress.sinceId === null ? progress.backfilled + ids.length : progress.backfilled;
  let attached = gap.untilId === undefined ? undefined : ranges.find((range) => range.oldest === gap.untilId);
  if (ids.length > 0) {
    const oldest = ids[ids.length - 1];
    if (attached) {
      attached.oldest = oldest;
    } else {
      // The first page of the top gap starts a new range above all others.
      attached = { oldest, newest: ids[0] };
      ranges.unshift(attached);
    }
  }
  const remaining: Gap = { sinceId: gap.sinceId, untilId: attached?.oldest ?? gap.untilId };
  let sinceId = progress.sinceId;
  if (complete && attached) {
    ranges.splice(ranges.indexOf(attached), 1);
    const below = ranges.find((range) => range.newest === gap.sinceId);
    if (below) {
      below.newest = attached.newest;
    } else {
      // The gap reached the cursor (or, on a first backfill, the end): all of it is now below the cursor.
      sinceId = maxId(sinceId, attached.newest);
    }
  }
  return { progress: { sinceId, ranges, backfilled }, gap: remaining };
}

function maxId(a: string | null, b: string): string {
  return a !== null && BigInt(a) > BigInt(b) ? a : b;
}

/**
 * The progress once an X archive is stored whose newest timeline tweet is `newestId`: an archive
 * holds every tweet up to its download, so nothing at or below it needs fetching, and a stored
 * range that reaches down to it joins the cursor.
 */
export function recordArchive(progress: SyncProgress, newestId: string): SyncProgress {
  let sinceId = maxId(progress.sinceId, newestId);
  const ranges = [...progress.ranges];
  // Oldest range first: each one overlapping what is now below the cursor extends it.
  while (ranges.length > 0 && BigInt(ranges[ranges.length - 1].oldest) <= BigInt(sinceId)) {
    sinceId = maxId(sinceId, ranges.pop()!.newest);
  }
  return { sinceId, ranges, backfilled: progress.backfilled };
}
