import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';

/** The pages' own scripts and styles: src/web/public, copied beside the build by `npm run build`. */
export const PUBLIC_DIR = join(__dirname, 'public');
const UPLOT_DIR = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
/** Where X serves avatars, photos, video previews and videos. */
const X_MEDIA_HOSTS = ['https://pbs.twimg.com', 'https://abs.twimg.com', 'https://video.twimg.com'];

const isDocs = (request: IncomingMessage) => /^\/docs(\/|$)/.test(request.url ?? '');

/**
 * Serves /assets (the pages' scripts and styles, and uPlot from node_modules: no CDN) and sets the
 * security headers on every answer: scripts and styles only from the service itself, images and
 * video also from X's hosts, nothing framed, no referrer sent off the site.
 */
export async function registerWebAssets(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Swagger UI (/docs) sets inline styles; the pages have none.
        styleSrc: ["'self'", (request) => (isDocs(request) ? "'unsafe-inline'" : '')],
        imgSrc: ["'self'", 'data:', ...X_MEDIA_HOSTS],
        mediaSrc: ["'self'", ...X_MEDIA_HOSTS],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    // Whether the service is reached over TLS is the proxy's to know and to say.
    strictTransportSecurity: false,
    // The OpenAPI page (/docs) loads Swagger UI's own bundle; the pages need no cross-origin isolation.
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/assets/', index: false, maxAge: '1h' });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: '/assets/vendor/',
    index: false,
    maxAge: '1d',
    decorateReply: false,
    allowedPath: (path) => /^\/uPlot\.(iife\.min\.js|min\.css)$/.test(path),
  });
}
