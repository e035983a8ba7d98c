import { Module } from '@nestjs/common';
import { SyncLock } from './sync-lock';
import { SyncTokenGuard } from './sync-token.guard';
import { SyncController } from './sync.controller';
import { SyncRepository } from './sync.repository';
import { SyncService } from './sync.service';
import { TweetsController } from './tweets.controller';
import { TwitterApiClient } from './twitter-api.client';
import { TwitterRepository } from './twitter.repository';
import { UsersController } from './users.controller';

@Module({
  controllers: [TweetsController, UsersController, SyncController],
  providers: [TwitterRepository, SyncRepository, TwitterApiClient, SyncLock, SyncService, SyncTokenGuard],
  exports: [TwitterRepository, SyncService, SyncTokenGuard],
})
export class TwitterModule {}
