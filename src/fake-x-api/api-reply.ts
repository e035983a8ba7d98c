/** What an endpoint answers, already serialized: v1.1 needs control over the JSON text itself. */
export interface ApiReply {
  status: number;
  contentType: string;
  body: string;
  /** The tweet objects the body holds, counted against the monthly post cap (default 0). */
  postsDelivered?: number;
}

/** The content types X sends: v2 with a space before charset, v1.1 without, problems bare. */
export const V2_JSON = 'application/json; charset=utf-8';
export const V1_JSON = 'application/json;charset=utf-8';
export const PROBLEM_JSON = 'application/problem+json';

export function v2Json(status: number, body: unknown): ApiReply {
  return { status, contentType: V2_JSON, body: JSON.stringify(body) };
}

export function problem(status: number, body: unknown): ApiReply {
  return { status, contentType: PROBLEM_JSON, body: JSON.stringify(body) };
}

export function v1Errors(status: number, code: number, message: string): ApiReply {
  return { status, contentType: V1_JSON, body: JSON.stringify({ errors: [{ code, message }] }) };
}

/** The "about:blank" problems X answers for 401, 429 and server errors on v2. */
export function plainProblem(status: number, title: string): ApiReply {
  return problem(status, { title, detail: title, type: 'about:blank', status });
}

export const v2Unauthorized = (): ApiReply =>
  problem(401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });

export const v2TooManyRequests = (): ApiReply => plainProblem(429, 'Too Many Requests');

/** 403 for an endpoint that takes only the app's bearer token (observed body, with the double space). */
export const v2BearerTokenOnly = (): ApiReply =>
  problem(403, {
    title: 'Unsupported Authentication',
    detail:
      'Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].',
    type: 'https://api.twitter.com/2/problems/unsupported-authentication',
    status: 403,
  });

export interface ParameterError {
  parameters: Record<string, string[]>;
  message: string;
}

export function parameterError(name: string, value: string, complaint: string): ParameterError {
  return { parameters: { [name]: [value] }, message: `The \`${name}\` query parameter value [${value}] ${complaint}` };
}

/** 400 for malformed parameters; X lists every bad parameter in one answer. */
export function invalidRequest(errors: ParameterError[]): ApiReply {
  return problem(400, {
    errors,
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });
}
