import { decodeCursor, encodeCursor } from './cursor';

describe('page cursors', () => {
  it('round-trip a keyset at microsecond precision with an id above 2^53', () => {
    const keyset = { createdAt: '2024-10-26T14:00:00.123456Z', id: '1850000000000000001' };
    const cursor = encodeCursor(keyset);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(keyset);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
    ['a number id', Buffer.from('["2024-10-26T14:00:00.000000Z",1]').toString('base64url')],
    ['a date without time', Buffer.from('["2024-10-26","1"]').toString('base64url')],
    ['an impossible date', Buffer.from('["2024-02-30T99:00:00.000000Z","1"]').toString('base64url')],
    ['February 29 of a common year', Buffer.from('["2023-02-29T00:00:00.000000Z","1"]').toString('base64url')],
    ['year 0', Buffer.from('["0000-01-01T00:00:00.000000Z","1"]').toString('base64url')],
    ['an id past bigint', Buffer.from('["2024-10-26T14:00:00.000000Z","9999999999999999999"]').toString('base64url')],
    ['extra elements', Buffer.from('["2024-10-26T14:00:00.000000Z","1",3]').toString('base64url')],
  ])('rejects %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
