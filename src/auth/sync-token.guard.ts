import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { requireBearerToken, tokenDigest } from './bearer-token';
import { FailedAttempts } from './failed-attempts';

/** main.ts warns at start-up about a shorter SYNC_API_TOKEN. */
export const MIN_SYNC_API_TOKEN_LENGTH = 16;

/** `Authorization: Bearer <SYNC_API_TOKEN>`; no token configured, no access. */
@Injectable()
export class SyncTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly failedAttempts: FailedAttempts,
  ) {
    const token = config.get('SYNC_API_TOKEN', { infer: true });
    this.expected = token ? tokenDigest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new ForbiddenException('manual sync is disabled: set SYNC_API_TOKEN');
    requireBearerToken(context, this.expected, 'SYNC_API_TOKEN', this.failedAttempts);
    return true;
  }
}
