import {
  Gap,
  isComplete,
  NOTHING_STORED,
  olderGap,
  recordArchive,
  recordPage,
  SyncProgress,
  topGap,
} from './sync-progress';

/** Pages a fake timeline (ids newest first) through one gap, as the API would with pagination. */
function fetchGap(timeline: number[], gap: Gap, pageSize: number, pagesAllowed = Infinity) {
  const since = gap.sinceId === undefined ? -Infinity : Number(gap.sinceId);
  const until = gap.untilId === undefined ? Infinity : Number(gap.untilId);
  const inGap = timeline.filter((id) => id > since && id < until).map(String);
  const pages: string[][] = [];
  for (let i = 0; i < inGap.length && pages.length < pagesAllowed; i += pageSize)
    pages.push(inGap.slice(i, i + pageSize));
  if (inGap.length === 0) pages.push([]);
  return pages.map((ids, index) => ({ ids, complete: (index + 1) * pageSize >= inGap.length }));
}

/** One sync run over `timeline`: the top gap, then older gaps, stopping after `pageBudget` pages. */
function run(progress: SyncProgress, timeline: number[], pageBudget: number, requested: string[][]) {
  let budget = pageBudget;
  const drain = (start: Gap): boolean => {
    let gap = start;
    for (const page of fetchGap(timeline, start, 3, budget)) {
      budget--;
      requested.push(page.ids);
      ({ progress, gap } = recordPage(progress, gap, page.ids, page.complete));
      if (page.complete) return true;
    }
    return false;
  };
  if (!drain(topGap(progress))) return progress;
  for (let gap = olderGap(progress); gap && budget > 0; gap = olderGap(progress)) {
    if (!drain(gap)) break;
  }
  return progress;
}

describe('sync progress', () => {
  it('is complete after a first backfill in one run', () => {
    const timeline = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const progress = run(NOTHING_STORED, timeline, Infinity, []);
    expect(progress).toEqual({ sinceId: '10', ranges: [], backfilled: 10 });
    expect(isComplete(progress)).toBe(true);
  });

  it('fills every gap over many short runs, never fetching a stored tweet twice', () => {
    let timeline = Array.from({ length: 20 }, (_, i) => 20 - i);
    const requested: string[][] = [];
    let progress = NOTHING_STORED;
    for (let runs = 0; !isComplete(progress); runs++) {
      expect(runs).toBeLessThan(50);
      progress = run(progress, timeline, 2, requested);
      // New tweets arrive between runs, above everything.
      if (runs % 2 === 0) timeline = [timeline[0] + 2, timeline[0] + 1, ...timeline];
    }
    const fetched = requested.flat();
    expect(new Set(fetched).size).toBe(fetched.length);
    const newestAtEnd = Number(progress.sinceId);
    expect(fetched.map(Number).sort((a, b) => b - a)).toEqual(timeline.filter((id) => id <= newestAtEnd));
  });

  it('resumes an incremental sync that stopped mid-way: newer tweets first, then the gap', () => {
    const start: SyncProgress = { sinceId: '100', ranges: [], backfilled: 0 };
    const timeline = [110, 109, 108, 107, 106, 105, 104, 103, 102, 101, 100, 99];
    const stopped = run(start, timeline, 2, []);
    expect(stopped).toEqual({ sinceId: '100', ranges: [{ oldest: '105', newest: '110' }], backfilled: 0 });
    expect(olderGap(stopped)).toEqual({ sinceId: '100', untilId: '105' });
    expect(topGap(stopped)).toEqual({ sinceId: '110' });

    const requested: string[][] = [];
    const done = run(stopped, [112, 111, ...timeline], Infinity, requested);
    expect(requested).toEqual([['112', '111'], ['104', '103', '102'], ['101']]);
    expect(done).toEqual({ sinceId: '112', ranges: [], backfilled: 0 });
  });

  it('keeps the cursor where it was until every gap is closed', () => {
    const progress = recordPage({ sinceId: '5', ranges: [], backfilled: 0 }, { sinceId: '5' }, ['9', '8'], false);
    expect(progress.progress.sinceId).toBe('5');
    expect(progress.gap).toEqual({ sinceId: '5', untilId: '8' });
  });

  it('compares ids as numbers beyond 2^53, not as strings', () => {
    const big = { sinceId: '9007199254740993', ranges: [], backfilled: 0 };
    const { progress } = recordPage(big, { sinceId: big.sinceId }, ['10000000000000000001', '9007199254740995'], true);
    expect(progress).toEqual({ sinceId: '10000000000000000001', ranges: [], backfilled: 0 });
  });

  describe('after an X archive import', () => {
    it("puts everything up to the archive's newest tweet below the cursor of an account never synced", () => {
      expect(recordArchive(NOTHING_STORED, '500')).toEqual({ sinceId: '500', ranges: [], backfilled: 0 });
    });

    it('keeps a newer cursor, and the gaps above what the archive covers', () => {
      const progress: SyncProgress = {
        sinceId: '900',
        ranges: [{ oldest: '1200', newest: '1300' }],
        backfilled: 0,
      };
      expect(recordArchive(progress, '500')).toEqual(progress);
    });

    it('joins the ranges the archive reaches to the cursor, beyond 2^53', () => {
      const progress: SyncProgress = {
        sinceId: '100',
        ranges: [
          { oldest: '1850000000000000900', newest: '1850000000000000990' },
          { oldest: '1850000000000000300', newest: '1850000000000000400' },
          { oldest: '200', newest: '250' },
        ],
        backfilled: 0,
      };
      expect(recordArchive(progress, '1850000000000000350')).toEqual({
        sinceId: '1850000000000000400',
        ranges: [{ oldest: '1850000000000000900', newest: '1850000000000000990' }],
        backfilled: 0,
      });
      // Read as numbers, 1850000000000000350 and …400 are the same double: BigInt tells them apart.
      expect(isComplete(recordArchive(progress, '1850000000000000990'))).toBe(true);
    });
  });
});
