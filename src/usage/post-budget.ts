/** The next request could pass SYNC_MONTHLY_POST_BUDGET: the run stops its accounts before it. */
export class PostBudgetReached extends Error {
  override name = 'PostBudgetReached';
  constructor(
    readonly read: number,
    readonly budget: number,
  ) {
    super(`monthly post budget reached (${read} of ${budget})`);
  }
}

/** "2026-12": the UTC calendar month of `date`. */
function utcMonth(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/**
 * The month's post budget as one run spends it: every request reserves the posts it could deliver
 * before it goes, so concurrent accounts never pass the budget together, and settles what it
 * delivered when it comes back. One per run, shared by its accounts (JavaScript runs one at a time
 * between awaits, so no lock is needed).
 */
export class PostBudget {
  private month: string;
  private readThisMonth: number;
  /** Posts requests in flight may still deliver. */
  private reserved = 0;

  constructor(
    private readonly budget: number | null,
    readThisMonth: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.month = utcMonth(now());
    this.readThisMonth = readThisMonth;
  }

  /** Posts read this UTC month, requests settled so far included. */
  get read(): number {
    this.followMonth();
    return this.readThisMonth;
  }

  /**
   * How many posts the next request may ask for: the most, up to `atMost`, that still fit in the
   * budget with what is read and reserved. Throws PostBudgetReached when not even `atLeast` fits.
   */
  reserve(atMost: number, atLeast: number): number {
    this.followMonth();
    let granted = atMost;
    if (this.budget !== null) {
      const room = this.budget - this.readThisMonth - this.reserved;
      if (room < atLeast) throw new PostBudgetReached(this.readThisMonth, this.budget);
      granted = Math.min(atMost, room);
    }
    this.reserved += granted;
    return granted;
  }

  /** The request that reserved `reserved` came back with `delivered` posts (includes may make it more). */
  settle(reserved: number, delivered: number): void {
    this.followMonth();
    this.reserved = Math.max(0, this.reserved - reserved);
    this.readThisMonth += delivered;
  }

  // A new UTC month starts from nothing read. Reservations in flight stay: what they deliver is read in the new month.
  private followMonth(): void {
    const month = utcMonth(this.now());
    if (month === this.month) return;
    this.month = month;
    this.readThisMonth = 0;
  }
}
