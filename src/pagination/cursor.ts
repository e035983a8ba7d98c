import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseCalendarInstant } from './instant';
import type { Keyset } from './page';

// Opaque to clients: base64url of the last row's [created_at, id].
export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(JSON.stringify([keyset.createdAt, keyset.id])).toString('base64url');
}

const KEYSET_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const BIGINT = /^\d{1,19}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Tweets and users are keyed by X ids (bigint), sync runs by UUIDs. */
export type CursorIdKind = 'bigint' | 'uuid';

const isId = (id: unknown, kind: CursorIdKind) =>
  typeof id === 'string' && (kind === 'uuid' ? UUID.test(id) : BIGINT.test(id) && BigInt(id) <= MAX_BIGINT);

/** The keyset a cursor stands for, or null when it is not one this service issued. */
export function decodeCursor(cursor: string, idKind: CursorIdKind = 'bigint'): Keyset | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return null;
    const [createdAt, id] = decoded as unknown[];
    if (typeof createdAt !== 'string' || !KEYSET_TIMESTAMP.test(createdAt) || !parseCalendarInstant(createdAt)) {
      return null;
    }
    if (!isId(id, idKind)) return null;
    return { createdAt, id: id as string };
  } catch {
    return null;
  }
}

export const MAX_BIGINT = 2n ** 63n - 1n;

export function IsCursor(idKind: CursorIdKind = 'bigint', options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCursor',
      validator: {
        validate: (value) => typeof value === 'string' && decodeCursor(value, idKind) !== null,
        defaultMessage: () => '$property is malformed: pass the nextCursor of a previous page unchanged',
      },
    },
    options,
  );
}
