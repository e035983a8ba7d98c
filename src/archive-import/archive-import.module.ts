import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { SyncModule } from '../sync/sync.module';
import { TweetsModule } from '../tweets/tweets.module';
import { ArchiveImportController } from './archive-import.controller';
import { ArchiveImportRepository } from './archive-import.repository';
import { ArchiveImportService } from './archive-import.service';

@Module({
  imports: [AuthModule, TweetsModule, SyncModule, AccountsModule],
  controllers: [ArchiveImportController],
  providers: [ArchiveImportRepository, ArchiveImportService],
  exports: [ArchiveImportService],
})
export class ArchiveImportModule {}
