import { Module } from '@nestjs/common';
import { SyncTokenGuard } from './sync-token.guard';

/** The one SyncTokenGuard every protected route shares (and with it, one count of failed attempts). */
@Module({
  providers: [SyncTokenGuard],
  exports: [SyncTokenGuard],
})
export class AuthModule {}
