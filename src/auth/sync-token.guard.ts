import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Environment } from '../config/environment';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `Authorization: Bearer <SYNC_API_TOKEN>`, compared in constant time; no token configured, no access. */
@Injectable()
export class SyncTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: ConfigService<Environment, true>) {
    const token = config.get('SYNC_API_TOKEN', { infer: true });
    this.expected = token ? digest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new ForbiddenException('manual sync is disabled: set SYNC_API_TOKEN');
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const [scheme, token] = header.split(' ', 2);
    // Digests have one length, so timingSafeEqual compares without revealing the token's length.
    if (scheme?.toLowerCase() !== 'bearer' || !token || !timingSafeEqual(digest(token), this.expected)) {
      throw new UnauthorizedException('a valid "Authorization: Bearer <SYNC_API_TOKEN>" header is required');
    }
    return true;
  }
}
