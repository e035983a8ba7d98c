import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { SyncState1764100000000 } from './1764100000000-SyncState';
import { ScheduleEntries1764200000000 } from './1764200000000-ScheduleEntries';
import { ReleasedScreenNames1764300000000 } from './1764300000000-ReleasedScreenNames';
import { SyncRunsIndexes1764500000000 } from './1764500000000-SyncRunsIndexes';
import { Accounts1764600000000 } from './1764600000000-Accounts';

// Listed by hand rather than globbed, so the same list works compiled (dist/) and under Jest (.ts).
export const MIGRATIONS = [
  InitialSchema1764000000000,
  SyncState1764100000000,
  ScheduleEntries1764200000000,
  ReleasedScreenNames1764300000000,
  SyncRunsIndexes1764500000000,
  Accounts1764600000000,
];
