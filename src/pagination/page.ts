/** A page position: the (created_at, id) of the last row served, created_at at full precision. */
export interface Keyset {
  createdAt: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  next: Keyset | null;
}

/** A page of `limit` rows out of `limit + 1` read: the extra one says whether more follow. */
export function toPage<T extends { keyset: Keyset }>(items: T[], limit: number): Page<T> {
  const hasMore = items.length > limit;
  const page = items.slice(0, limit);
  return { items: page, next: hasMore ? page[page.length - 1].keyset : null };
}
