import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { SyncModule } from '../sync/sync.module';
import { TasksModule } from '../tasks/tasks.module';
import { TweetsModule } from '../tweets/tweets.module';
import { PagesController } from './pages.controller';

/** The web pages (WEB_ENABLED); their assets and security headers are registered by registerWebAssets. */
@Module({
  imports: [TweetsModule, AccountsModule, SyncModule, TasksModule],
  controllers: [PagesController],
})
export class WebModule {}
