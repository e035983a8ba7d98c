import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isStatementTimeout } from '../database/statement-timeout.filter';
import { ErrorPage } from './views/error.page';
import { renderDocument } from './views/layout';

/** The messages the JSON API answers an exception with (a list for invalid input, else one). */
export function exceptionMessages(error: HttpException): string[] {
  const body = error.getResponse();
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
  return (Array.isArray(message) ? message : [message]).map(String);
}

/** A page's error as a page: its status, and the messages the JSON API would give. */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(PageErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status = 500;
    let messages = ['Something went wrong; the log says what.'];
    if (error instanceof HttpException) {
      status = error.getStatus();
      messages = exceptionMessages(error);
    } else if (isStatementTimeout(error)) {
      status = 503;
      messages = ['The database did not answer within DATABASE_STATEMENT_TIMEOUT_MS: try again.'];
    } else {
      this.logger.error(error);
    }
    void reply
      .status(status)
      .header('Content-Type', 'text/html; charset=utf-8')
      .send(renderDocument(ErrorPage({ status, messages })));
  }
}
