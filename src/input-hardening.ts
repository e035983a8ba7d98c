import { BadRequestException, ValidationPipeOptions } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RawServerDefault } from 'fastify';

/** The global ValidationPipe's options; the timeline page validates its query with the same. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: true,
};

/**
 * Longer than any URL Node.js accepts (its request line and headers share 16 KiB), so Fastify's
 * 414 never answers first and every path parameter reaches validation, which names it.
 */
export const MAX_PARAM_LENGTH = 65_536;

/** The service's bodies nest two levels; validating a far deeper one would overflow the stack. */
export const MAX_JSON_DEPTH = 32;

const [QUOTE, BACKSLASH, OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [0x22, 0x5c, 0x5b, 0x7b, 0x5d, 0x7d];

/** Whether JSON text nests arrays and objects deeper than `limit`, read without recursion. */
function nestsDeeperThan(json: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The first string (key or value) holding U+0000, named as validation names it (`screenNames.0`). */
function findNul(value: unknown, name: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? name : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const itemName = name ? `${name}.${key}` : key;
    if (key.includes('\0')) return itemName;
    const found = findNul(item, itemName);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Input PostgreSQL or the validation layer cannot take, refused as a 400 that names it before any
 * route sees it: NUL characters (PostgreSQL text cannot hold them) in any query parameter, path
 * parameter or body, and JSON nested deeper than MAX_JSON_DEPTH.
 */
export function hardenInput(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', {}, (request, body, done) => {
    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(new BadRequestException([`body must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep`]));
      return;
    }
    void parseJson(request, body as unknown as string, (error, parsed) => {
      // Every body the service takes is an object; a bare string or number would fail validation vaguely.
      if (!error && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
        done(new BadRequestException(['body must be a JSON object']));
        return;
      }
      done(error, parsed);
    });
  });
  // The API takes JSON (and forms); text/plain, a Fastify default, would reach validation as a bare string.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    for (const value of [request.params, request.query, request.body]) {
      const name = findNul(value, '');
      if (name !== null) {
        // `*` is the rest of an unknown route's path; a NUL in a key is printed escaped.
        const printable = name === '*' ? 'path' : name.replaceAll('\0', '\\u0000');
        done(new BadRequestException([`${printable} must not contain NUL (U+0000)`]));
        return;
      }
    }
    done();
  });
}
