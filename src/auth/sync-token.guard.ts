import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Environment } from '../config/environment';
import { FailedAttempts } from './failed-attempts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** main.ts warns at start-up about a shorter SYNC_API_TOKEN. */
export const MIN_SYNC_API_TOKEN_LENGTH = 16;

/**
 * `Authorization: Bearer <SYNC_API_TOKEN>`, compared in constant time; no token configured, no access.
 * Guessing is throttled per client address (FailedAttempts).
 */
@Injectable()
export class SyncTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly failedAttempts: FailedAttempts,
  ) {
    const token = config.get('SYNC_API_TOKEN', { infer: true });
    this.expected = token ? digest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new ForbiddenException('manual sync is disabled: set SYNC_API_TOKEN');
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Even the right token waits: otherwise guessing on would still tell a hit from a miss.
    const blockedFor = this.failedAttempts.blockedFor(request.ip);
    if (blockedFor > 0) {
      const seconds = Math.ceil(blockedFor / 1000);
      void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(seconds));
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          error: 'Too Many Requests',
          message: `too many failed authorization attempts from this address; retry in ${seconds} s`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    // Exactly "Bearer <token>": the scheme in any case (RFC 9110), one space, nothing after the token.
    const token = /^bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    // Digests have one length, so timingSafeEqual compares without revealing the token's length.
    if (token === undefined || !timingSafeEqual(digest(token), this.expected)) {
      this.failedAttempts.record(request.ip);
      throw new UnauthorizedException('a valid "Authorization: Bearer <SYNC_API_TOKEN>" header is required');
    }
    return true;
  }
}
