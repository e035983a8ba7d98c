import { toUserHistoryDto } from './history-response.mapper';
import type { UserProfileObservation } from './tweets.repository';

const profile = (observedAt: string, changes: Partial<UserProfileObservation> = {}): UserProfileObservation => ({
  observedAt: new Date(observedAt),
  screenName: 'NASA',
  name: 'NASA',
  description: 'Explore the universe',
  location: null,
  url: null,
  profileImageUrl: null,
  ...changes,
});

describe('toUserHistoryDto', () => {
  it('names the profile fields each entry changed from the one before', () => {
    const dto = toUserHistoryDto({
      metrics: [],
      profiles: [
        profile('2024-01-01T00:00:00Z'),
        profile('2024-02-01T00:00:00Z', { name: 'NASA 🚀', location: 'Earth' }),
        profile('2024-03-01T00:00:00Z', { name: 'NASA 🚀', location: null, screenName: null }),
      ],
    });
    expect(dto.profiles.map((entry) => [entry.observedAt, entry.changed])).toEqual([
      ['2024-01-01T00:00:00.000Z', []],
      ['2024-02-01T00:00:00.000Z', ['name', 'location']],
      ['2024-03-01T00:00:00.000Z', ['screenName', 'location']],
    ]);
  });
});
