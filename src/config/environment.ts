import { existsSync } from 'node:fs';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

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

  @IsString()
  APP_TIMEZONE = 'UTC';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Parses and checks the environment; throws a ConfigurationError naming every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const environment = plainToInstance(Environment, stripEmpty(raw), { exposeDefaultValues: true });
  const problems = validateSync(environment, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${message} (got ${JSON.stringify(raw[error.property])})`),
  );
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
