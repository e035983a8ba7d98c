import { applyDecorators, Get, Header } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { RouteConstraints } from '@nestjs/platform-fastify';
import Negotiator from 'negotiator';
import type { FastifyServerOptions } from 'fastify';
import type { IncomingMessage } from 'node:http';

type ConstraintStrategy = NonNullable<NonNullable<FastifyServerOptions['routerOptions']>['constraints']>[string];
type RouteStore = Parameters<ReturnType<ConstraintStrategy['storage']>['set']>[1];

const MEDIA_TYPES = ['application/json', 'text/html'];

/**
 * A Fastify route constraint: a page answers a path it shares with the JSON API (/accounts,
 * /schedules, /tweets/:id) only when the client prefers HTML, as a browser does. curl, scripts and
 * fetch() send `*∕*` or nothing and keep getting JSON.
 */
export const prefersHtml: ConstraintStrategy = {
  name: 'page',
  storage() {
    const handlers = new Map<string, RouteStore>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, store: RouteStore) => void handlers.set(value, store),
    };
  },
  deriveConstraint(request: IncomingMessage): string {
    const html = request.headers.accept !== undefined && new Negotiator(request).mediaType(MEDIA_TYPES) === 'text/html';
    // find-my-way reads undefined as "nothing derived": the route without the constraint answers.
    return html ? 'html' : (undefined as unknown as string);
  },
  // A path no page has falls through to its JSON route, HTML preferred or not.
  mustMatchWhenDerived: false,
};

/**
 * A page at `path`, left out of the OpenAPI document. `besideJson`: the JSON API has the same path,
 * which keeps answering every client that does not prefer HTML.
 */
export function Page(path: string, { besideJson = false } = {}) {
  return applyDecorators(
    Get(path),
    ...(besideJson ? [RouteConstraints({ page: 'html' })] : []),
    Header('Content-Type', 'text/html; charset=utf-8'),
    Header('Cache-Control', 'no-store'),
    ApiExcludeEndpoint(),
  );
}
