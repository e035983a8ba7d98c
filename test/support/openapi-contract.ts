import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type request from 'supertest';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * A copy of `schema` where an object schema that lists its properties allows no others (so a field
 * the document does not declare fails too), and component references point at `$defs`.
 */
function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') copy.$ref = value.replace('#/components/schemas/', '#/$defs/');
    // Examples are data, not schemas.
    else if (key === 'example' || key === 'examples') copy[key] = value;
    else if (key === 'properties') {
      copy.properties = Object.fromEntries(
        Object.entries(value as Json).map(([name, item]) => [name, strictSchema(item)]),
      );
    } else copy[key] = strictSchema(value);
  }
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** Real answers checked against what the OpenAPI 3.1 document declares for their operation and status. */
export class OpenApiContract {
  /** "get /tweets/{id} 404" for every answer checked. */
  readonly seen = new Set<string>();
  private readonly ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
  private readonly defs: unknown;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp }[];

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addKeyword('example');
    this.defs = strictSchema(document.components?.schemas ?? {});
    // Literal paths before templated ones, should both match.
    this.templates = Object.keys(document.paths)
      .sort((a, b) => a.split('{').length - b.split('{').length)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }));
  }

  /** Every "method path status" the document declares. */
  documented(): string[] {
    return Object.entries(this.document.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([method]) => METHODS.includes(method))
        .flatMap(([method, operation]) =>
          Object.keys(operation.responses).map((status) => `${method} ${path} ${status}`),
        ),
    );
  }

  /**
   * Fails unless the document declares the answer's status for its operation, with a JSON schema the
   * body matches; answers the response for further assertions.
   */
  check(response: request.Response): request.Response {
    const { method, path } = (response as unknown as { req: { method: string; path: string } }).req;
    const url = new URL(path, 'http://service');
    const template = this.templates.find(({ pattern }) => pattern.test(url.pathname))?.template;
    if (!template) throw new Error(`${method} ${url.pathname}: no such path in the document`);
    const key = `${method.toLowerCase()} ${template} ${response.status}`;
    const operation = this.document.paths[template][method.toLowerCase()];
    if (!operation) throw new Error(`${key}: the document has no such operation`);
    const declared = operation.responses[String(response.status)];
    if (!declared) {
      throw new Error(`${key}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
    }
    if (!declared.content) {
      // Documented without a body (a 204): the answer has none either.
      if (response.text) throw new Error(`${key}: documented without a body, answered one: ${response.text}`);
      this.seen.add(key);
      return response;
    }
    // A download (an export) is checked for its documented media type; its lines are tested elsewhere.
    const answered = String(response.headers['content-type']).split(';')[0];
    if (answered !== 'application/json') {
      if (!Object.keys(declared.content).some((type) => type.split(';')[0] === answered)) {
        throw new Error(`${key}: answered ${answered}, documented ${Object.keys(declared.content).join(', ')}`);
      }
      this.seen.add(key);
      return response;
    }
    const media = declared.content['application/json'];
    if (!media?.schema) throw new Error(`${key}: no application/json schema documented`);
    if (!String(response.headers['content-type']).startsWith('application/json')) {
      throw new Error(`${key}: answered ${response.headers['content-type']}, documented application/json`);
    }
    for (const header of Object.keys(declared.headers ?? {})) {
      if (response.headers[header.toLowerCase()] === undefined) throw new Error(`${key}: no ${header} header`);
    }
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...(strictSchema(media.schema) as Json), $defs: this.defs });
      this.validators.set(key, validate);
    }
    if (!validate(response.body)) {
      throw new Error(
        `${key}: the body does not match the documented schema:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}\n` +
          JSON.stringify(response.body).slice(0, 2000),
      );
    }
    this.seen.add(key);
    return response;
  }
}
