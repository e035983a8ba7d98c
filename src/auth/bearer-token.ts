import { ExecutionContext, HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FailedAttempts } from './failed-attempts';

/** What a token is compared as: digests have one length, so the comparison does not reveal the token's. */
export const tokenDigest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Throws unless the request carries `Authorization: Bearer <the token of variable>`, compared in
 * constant time. Guessing is throttled per client address (FailedAttempts).
 */
export function requireBearerToken(
  context: ExecutionContext,
  expected: Buffer,
  variable: string,
  failedAttempts: FailedAttempts,
): void {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  // Even the right token waits: otherwise guessing on would still tell a hit from a miss.
  const blockedFor = failedAttempts.blockedFor(request.ip);
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
  if (token === undefined || !timingSafeEqual(tokenDigest(token), expected)) {
    failedAttempts.record(request.ip);
    throw new UnauthorizedException(`a valid "Authorization: Bearer <${variable}>" header is required`);
  }
}
