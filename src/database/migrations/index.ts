import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { SyncState1764100000000 } from './1764100000000-SyncState';
import { ScheduleEntries1764200000000 } from './1764200000000-ScheduleEntries';
import { ReleasedScreenNames1764300000000 } from './1764300000000-ReleasedScreenNames';
import { SyncRunsIndexes1764500000000 } from './1764500000000-SyncRunsIndexes';
import { Accounts1764600000000 } from './1764600000000-Accounts';
import { DeletedTweets1764700000000 } from './1764700000000-DeletedTweets';
import { History1764800000000 } from './1764800000000-History';
import { SubstringSearch1764900000000 } from './1764900000000-SubstringSearch';
import { ArchiveImports1765000000000 } from './1765000000000-ArchiveImports';
import { RepliesIndex1765100000000 } from './1765100000000-RepliesIndex';

// Listed by hand rather than globbed, so the same list works compiled (dist/) and under Jest (.ts).
export const MIGRATIONS = [
  InitialSchema1764000000000,
  SyncState1764100000000,
  ScheduleEntries1764200000000,
  ReleasedScreenNames1764300000000,
  SyncRunsIndexes1764500000000,
  Accounts1764600000000,
  DeletedTweets1764700000000,
  History1764800000000,
  SubstringSearch1764900000000,
  ArchiveImports1765000000000,
  RepliesIndex1765100000000,
];
