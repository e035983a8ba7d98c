import { existsSync } from 'node:fs';
import { plainToInstance, Transform } from 'class-transformer';
import { validateCronExpression } from 'cron';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { nextTick } from '../tasks/schedule';

/** An X screen name (handle without the @). */
export const SCREEN_NAME = /^[A-Za-z0-9_]{1,15}$/;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Every setting the service reads from the environment, with its default. */
export class Environment {
  @IsInt()
  @Min(0)
  @Max(65535)
  @Transform(({ value }: { value: unknown }) => Number(value))
  PORT = 3000;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  @IsOptional()
  @Matches(/^(postgres(ql)?:\/\/.+|pglite:\/\/memory)$/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// URL, or pglite://memory',
  })
  DATABASE_URL?: string;

  @IsString()
  @IsNotEmpty()
  PGLITE_DATA_DIR = './data/pglite';

  /** PostgreSQL only: the longest a statement of the service may run (0: no limit); migrations have none. */
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  DATABASE_STATEMENT_TIMEOUT_MS = 10000;

  @IsString()
  APP_TIMEZONE = 'UTC';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Matches(/^https?:\/\/[^/?#]+$/, {
    message: 'TWITTER_API_BASE_URL must be an http:// or https:// origin with no path, such as https://api.x.com',
  })
  TWITTER_API_BASE_URL = 'https://api.x.com';

  @IsOptional()
  @IsString()
  TWITTER_BEARER_TOKEN?: string;

  @IsOptional()
  @IsString()
  TWITTER_CONSUMER_KEY?: string;

  @IsOptional()
  @IsString()
  TWITTER_CONSUMER_SECRET?: string;

  @IsOptional()
  @IsString()
  TWITTER_ACCESS_TOKEN?: string;

  @IsOptional()
  @IsString()
  TWITTER_ACCESS_TOKEN_SECRET?: string;

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : value,
  )
  @Matches(SCREEN_NAME, {
    each: true,
    message: 'TWITTER_SCREEN_NAMES must be a comma-separated list of screen names (1 to 15 letters, digits or _)',
  })
  TWITTER_SCREEN_NAMES: string[] = [];

  @IsIn(['2', '1.1'], { message: 'TWITTER_API_VERSION must be 2 or 1.1' })
  TWITTER_API_VERSION: '2' | '1.1' = '2';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  TWITTER_REQUEST_TIMEOUT_MS = 15000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(3200)
  SYNC_MAX_BACKFILL = 3200;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(3200)
  SYNC_REFRESH_RECENT = 100;

  /** Stored tweets each account's run checks with GET /2/tweets, those verified longest ago first. */
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(10000)
  SYNC_VERIFY_PER_RUN = 100;

  @IsIn(['update', 'insert-only'], { message: 'SYNC_SAVE_MODE must be update or insert-only' })
  SYNC_SAVE_MODE: 'update' | 'insert-only' = 'update';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  SYNC_MAX_RATE_LIMIT_WAIT_SECONDS = 900;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  SYNC_RUNS_RETENTION_DAYS = 90;

  /** Days of metrics and profile history kept (a tweet's or account's newest row always stays); unset: forever. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === '' || value === undefined ? undefined : Number(value)))
  @IsInt({
    message: 'HISTORY_RETENTION_DAYS must be a whole number of days from 1 to 36500, or unset to keep history forever',
  })
  @Min(1, {
    message: 'HISTORY_RETENTION_DAYS must be a whole number of days from 1 to 36500, or unset to keep history forever',
  })
  @Max(36500, {
    message: 'HISTORY_RETENTION_DAYS must be a whole number of days from 1 to 36500, or unset to keep history forever',
  })
  HISTORY_RETENTION_DAYS?: number;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt({ message: 'SYNC_CONCURRENCY must be a whole number from 1 to 32' })
  @Min(1, { message: 'SYNC_CONCURRENCY must be a whole number from 1 to 32' })
  @Max(32, { message: 'SYNC_CONCURRENCY must be a whole number from 1 to 32' })
  SYNC_CONCURRENCY = 4;

  /** The largest X archive POST /imports accepts (default 2 GiB); it is streamed to disk, never held in memory. */
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt({ message: 'IMPORT_MAX_BYTES must be a whole number of bytes, at least 1' })
  @Min(1, { message: 'IMPORT_MAX_BYTES must be a whole number of bytes, at least 1' })
  IMPORT_MAX_BYTES = 2 * 1024 ** 3;

  /** Posts a UTC calendar month may read; unset: no limit. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === '' || value === undefined ? undefined : Number(value)))
  @IsInt({ message: 'SYNC_MONTHLY_POST_BUDGET must be a whole number of posts (at least 1), or unset for no limit' })
  @Min(1, { message: 'SYNC_MONTHLY_POST_BUDGET must be a whole number of posts (at least 1), or unset for no limit' })
  SYNC_MONTHLY_POST_BUDGET?: number;

  @IsOptional()
  @IsString()
  SYNC_API_TOKEN?: string;

  @Transform(toBoolean)
  @IsBoolean({ message: 'METRICS_ENABLED must be true or false' })
  METRICS_ENABLED = true;

  /** The web pages (/, /accounts, /@name, /tweets/:id, /runs, /schedules) beside the JSON API. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'WEB_ENABLED must be true or false' })
  WEB_ENABLED = true;

  /** When set, GET /metrics takes `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  METRICS_TOKEN?: string;

  @Transform(toBoolean)
  @IsBoolean({ message: 'SCHEDULER_ENABLED must be true or false' })
  SCHEDULER_ENABLED = true;

  @Transform(toBoolean)
  @IsBoolean({ message: 'SAMPLE_TASKS_ENABLED must be true or false' })
  SAMPLE_TASKS_ENABLED = true;

  @Transform(toBoolean)
  @IsBoolean({ message: 'SYNC_ON_STARTUP must be true or false' })
  SYNC_ON_STARTUP = false;

  @IsString()
  SYNC_CRON = '*/5 * * * *';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(600)
  SHUTDOWN_GRACE_SECONDS = 10;
}

function toBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  return value;
}

/** Why a cron expression (5 fields, or 6 with seconds first) is invalid, or null when it is valid. */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `it has ${fields} fields; a cron expression has 5 (or 6, seconds first)`;
  const { valid, error } = validateCronExpression(expression);
  if (!valid) return error?.message ?? 'it is not valid';
  // Valid but impossible, like February 30: the beat could never schedule it.
  return nextTick({ cron: expression }, new Date(), 'UTC') ? null : 'it never fires (no date matches it in 5 years)';
}

/** Whichever X API credentials the environment holds; the bearer token wins when both are set. */
export type TwitterCredentials =
  | { kind: 'bearer'; bearerToken: string }
  | { kind: 'oauth1'; consumerKey: string; consumerSecret: string; accessToken: string; accessTokenSecret: string };

const OAUTH1_VARIABLES = [
  'TWITTER_CONSUMER_KEY',
  'TWITTER_CONSUMER_SECRET',
  'TWITTER_ACCESS_TOKEN',
  'TWITTER_ACCESS_TOKEN_SECRET',
] as const;

export function twitterCredentials(
  environment: Pick<Environment, 'TWITTER_BEARER_TOKEN' | (typeof OAUTH1_VARIABLES)[number]>,
): TwitterCredentials | null {
  if (environment.TWITTER_BEARER_TOKEN) return { kind: 'bearer', bearerToken: environment.TWITTER_BEARER_TOKEN };
  const [consumerKey, consumerSecret, accessToken, accessTokenSecret] = OAUTH1_VARIABLES.map(
    (name) => environment[name],
  );
  if (consumerKey && consumerSecret && accessToken && accessTokenSecret) {
    return { kind: 'oauth1', consumerKey, consumerSecret, accessToken, accessTokenSecret };
  }
  return null;
}

// Their values never appear in an error message.
const SECRET_VARIABLES = new Set<string>([
  'DATABASE_URL',
  'TWITTER_BEARER_TOKEN',
  'SYNC_API_TOKEN',
  'METRICS_TOKEN',
  ...OAUTH1_VARIABLES,
]);

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Parses and checks the environment; throws a ConfigurationError naming every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const environment = plainToInstance(Environment, stripEmpty(raw), { exposeDefaultValues: true });
  const problems = validateSync(environment, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      SECRET_VARIABLES.has(error.property) ? message : `${message} (got ${JSON.stringify(raw[error.property])})`,
    ),
  );
  const oauth1Set = OAUTH1_VARIABLES.filter((name) => environment[name]);
  if (oauth1Set.length > 0 && oauth1Set.length < OAUTH1_VARIABLES.length) {
    const missing = OAUTH1_VARIABLES.filter((name) => !environment[name]);
    problems.push(`OAuth 1.0a needs all of ${OAUTH1_VARIABLES.join(', ')}; missing: ${missing.join(', ')}`);
  }
  const cronError = cronProblem(environment.SYNC_CRON);
  if (cronError)
    problems.push(
      `SYNC_CRON is not a valid cron expression: ${cronError} (got ${JSON.stringify(environment.SYNC_CRON)})`,
    );
  if (environment.TWITTER_SCREEN_NAMES.length > 0 && !twitterCredentials(environment)) {
    problems.push(
      'TWITTER_SCREEN_NAMES is set but there are no X API credentials: set TWITTER_BEARER_TOKEN, or the four TWITTER_CONSUMER_*/TWITTER_ACCESS_TOKEN* variables',
    );
  }
  if (!isTimeZone(environment.APP_TIMEZONE)) {
    problems.push(
      `APP_TIMEZONE must be an IANA time zone such as UTC or Europe/Paris (got ${JSON.stringify(environment.APP_TIMEZONE)})`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return environment;
}

/** process.env plus ./.env (a variable set in the environment wins), validated. */
export function loadEnvironment(): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return validateEnvironment(process.env);
}

// An empty variable (`PORT=`) means "use the default", as it does for most services.
function stripEmpty(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
}
