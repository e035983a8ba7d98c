import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { Environment } from './config/environment';

/** The application as `main.ts` serves it and as the end-to-end tests drive it. */
export async function createApp(environment: Environment): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(environment), new FastifyAdapter(), {
    bufferLogs: true,
    // Throw instead of aborting the process, so main.ts can exit 1.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true }),
  );
  const openApi = new DocumentBuilder()
    .setTitle('twitter-timeline-sync')
    .setDescription('Tweets and accounts stored from the X API')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
  return app;
}
