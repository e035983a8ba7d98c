import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The body of every error answer: Nest's exceptions, and the few errors Fastify answers itself. */
export class ErrorDto {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode!: number;

  @ApiPropertyOptional({
    example: 'Bad Request',
    description:
      'the status text; absent when Fastify answers (a body that is not JSON, too large, or of another type)',
  })
  error?: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['limit must be a whole number from 1 to 100'],
    description: 'what is wrong: for invalid input, a list with one entry naming each bad field',
  })
  message!: string | string[];
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'a parameter or the body is invalid; the message names it',
  401: 'no valid "Authorization: Bearer <SYNC_API_TOKEN>" header',
  403: 'SYNC_API_TOKEN is not set: the route is disabled',
  404: 'not stored; the message says what',
  409: 'conflicts with the current state; the message says how',
  413: 'the body is larger than 1 MiB',
  415: 'the body is not JSON',
  422: 'valid, but refused: the message says why',
  429: 'too many failed attempts: wait Retry-After seconds',
  503: 'the database did not answer within DATABASE_STATEMENT_TIMEOUT_MS: try again',
};

/** Documents the error answers an operation can give, each with the ErrorDto body (or a subclass of it). */
export function ApiErrors(
  ...responses: (ErrorStatus | { status: ErrorStatus; description?: string; type?: typeof ErrorDto })[]
) {
  return applyDecorators(
    ...responses.map((response) => {
      const { status, description, type } = typeof response === 'number' ? { status: response } : response;
      return ApiResponse({
        status,
        type: type ?? ErrorDto,
        description: description ?? DESCRIPTIONS[status],
        ...(status === 429 && {
          headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } } },
        }),
      });
    }),
  );
}
