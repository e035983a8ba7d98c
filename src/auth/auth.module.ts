import { Module } from '@nestjs/common';
import { FailedAttempts } from './failed-attempts';
import { SyncTokenGuard } from './sync-token.guard';

/**
 * SyncTokenGuard, for every module with protected routes to import, and the one count of failed
 * attempts they all share (Nest builds a guard instance per module that uses it).
 */
@Module({
  providers: [SyncTokenGuard, FailedAttempts],
  exports: [SyncTokenGuard, FailedAttempts],
})
export class AuthModule {}
