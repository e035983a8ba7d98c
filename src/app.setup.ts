import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import multipart from '@fastify/multipart';
import { errorCodes } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { Environment } from './config/environment';
import { StatementTimeoutFilter } from './database/statement-timeout.filter';
import { hardenInput, MAX_PARAM_LENGTH, VALIDATION_OPTIONS } from './input-hardening';
import { observeHttpRequests } from './metrics/http-metrics';
import { Metrics } from './metrics/metrics';
import { prefersHtml } from './web/page-route';
import { registerWebAssets } from './web/web-assets';

const IMPORTS_ROUTE = '/imports';

/** The application as `main.ts` serves it and as the end-to-end tests drive it. */
export async function createApp(environment: Environment): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(environment),
    new FastifyAdapter({ routerOptions: { maxParamLength: MAX_PARAM_LENGTH, constraints: { page: prefersHtml } } }),
    {
      bufferLogs: true,
      // Throw instead of aborting the process, so main.ts can exit 1.
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  // POST /imports reads its file as a stream (request.file()); limits are set per route. Every
  // other route takes JSON only, and answers a multipart body as Fastify answers any other type.
  await app.register(multipart);
  if (environment.WEB_ENABLED) await registerWebAssets(app);
  const fastify = app.getHttpAdapter().getInstance();
  if (environment.METRICS_ENABLED) observeHttpRequests(fastify, app.get(Metrics));
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    // Before parsing, request.isMultipart() does not know yet: the header tells.
    if (/^multipart\//i.test(request.headers['content-type'] ?? '') && request.routeOptions.url !== IMPORTS_ROUTE) {
      done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']));
      return;
    }
    done(null, payload);
  });
  app.useGlobalFilters(new StatementTimeoutFilter(app.getHttpAdapter()));
  hardenInput(app);
  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
  const openApi = new DocumentBuilder()
    // 3.1: its schemas are JSON Schema, where a nullable object ({ anyOf: [{ $ref }, { type: 'null' }] }) accepts null.
    .setOpenAPIVersion('3.1.0')
    .setTitle('twitter-timeline-sync')
    .setDescription('Tweets and accounts stored from the X API')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'this service')
    // Any string SYNC_API_TOKEN is set to, not the JWT Nest assumes.
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: undefined, description: 'SYNC_API_TOKEN' })
    .build();
  SwaggerModule.setup('docs', app, () => markPublicOperations(SwaggerModule.createDocument(app, openApi)));
  return app;
}

/** `security: []` on every operation without a token: the document says it is public rather than leaving it open. */
function markPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = path[method];
      if (operation) operation.security ??= [];
    }
  }
  return document;
}
