import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TweetsModule } from '../tweets/tweets.module';
import { UsageModule } from '../usage/usage.module';
import { XApiModule } from '../x-api/x-api.module';
import { SyncController } from './sync.controller';
import { SyncLock } from './sync-lock';
import { SyncRepository } from './sync.repository';
import { SyncService } from './sync.service';

@Module({
  imports: [AuthModule, TweetsModule, UsageModule, XApiModule],
  controllers: [SyncController],
  providers: [SyncRepository, SyncLock, SyncService],
  exports: [SyncService, SyncRepository],
})
export class SyncModule {}
