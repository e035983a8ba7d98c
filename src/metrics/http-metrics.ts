import type { FastifyInstance } from 'fastify';
import { Metrics } from './metrics';

/**
 * Times every answer of the HTTP API by its route pattern (`/tweets/:id`, never the URL asked
 * for); a path no route matches counts as `unmatched`.
 */
export function observeHttpRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequests.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
