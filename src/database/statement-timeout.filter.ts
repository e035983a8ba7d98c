import { ArgumentsHost, Catch, ServiceUnavailableException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { QueryFailedError } from 'typeorm';

// PostgreSQL's query_canceled: what a statement past DATABASE_STATEMENT_TIMEOUT_MS fails with.
const QUERY_CANCELED = '57014';

/** A statement past DATABASE_STATEMENT_TIMEOUT_MS. */
export function isStatementTimeout(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === QUERY_CANCELED
  );
}

/** A read stopped by the statement timeout answers 503 (try again), not a 500; other failures pass on. */
@Catch(QueryFailedError)
export class StatementTimeoutFilter extends BaseExceptionFilter {
  override catch(error: QueryFailedError, host: ArgumentsHost): void {
    if (!isStatementTimeout(error)) return super.catch(error, host);
    super.catch(
      new ServiceUnavailableException('the database did not answer within DATABASE_STATEMENT_TIMEOUT_MS'),
      host,
    );
  }
}
