import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { requireBearerToken, tokenDigest } from '../auth/bearer-token';
import { FailedAttempts } from '../auth/failed-attempts';
import type { Environment } from '../config/environment';

/** `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; open otherwise. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly failedAttempts: FailedAttempts,
  ) {
    const token = config.get('METRICS_TOKEN', { infer: true });
    this.expected = token ? tokenDigest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected) requireBearerToken(context, this.expected, 'METRICS_TOKEN', this.failedAttempts);
    return true;
  }
}
