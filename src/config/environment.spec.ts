import { ConfigurationError, validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('applies the defaults to an empty environment', () => {
    expect(validateEnvironment({})).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: undefined,
      PGLITE_DATA_DIR: './data/pglite',
      APP_TIMEZONE: 'UTC',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_SECONDS: 10,
      SYNC_RUNS_RETENTION_DAYS: 90,
      DATABASE_STATEMENT_TIMEOUT_MS: 10000,
      IMPORT_MAX_BYTES: 2 * 1024 ** 3,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(validateEnvironment({ PORT: '', DATABASE_URL: '', APP_TIMEZONE: '' })).toMatchObject({
      PORT: 3000,
      DATABASE_URL: undefined,
      APP_TIMEZONE: 'UTC',
    });
  });

  it('accepts valid values', () => {
    expect(
      validateEnvironment({
        PORT: '8080',
        DATABASE_URL: 'postgresql://app:secret@db:5432/tweets',
        APP_TIMEZONE: 'America/New_York',
        LOG_LEVEL: 'debug',
      }),
    ).toMatchObject({ PORT: 8080, APP_TIMEZONE: 'America/New_York', LOG_LEVEL: 'debug' });
    expect(validateEnvironment({ DATABASE_URL: 'pglite://memory' }).DATABASE_URL).toBe('pglite://memory');
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer number \(got "abc"\)/],
    ['PORT', '70000', /PORT must not be greater than 65535/],
    ['APP_TIMEZONE', 'Mars/Olympus_Mons', /APP_TIMEZONE must be an IANA time zone.*"Mars\/Olympus_Mons"/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace \(got "verbose"\)/],
    [
      'DATABASE_URL',
      'mysql://localhost/x',
      /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL, or pglite:\/\/memory/,
    ],
  ])('refuses %s=%s, naming the variable and what is allowed', (name, value, message) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(ConfigurationError);
    expect(() => validateEnvironment({ [name]: value })).toThrow(message);
  });

  it.each([
    ['SYNC_CRON', '61 * * * *', /SYNC_CRON is not a valid cron expression: .*out of range \(got "61 \* \* \* \*"\)/],
    ['SYNC_CRON', 'every day', /SYNC_CRON is not a valid cron expression: it has 2 fields/],
    ['SYNC_CRON', '0 0 30 2 *', /SYNC_CRON is not a valid cron expression: it never fires .*\(got "0 0 30 2 \*"\)/],
    ['SCHEDULER_ENABLED', 'maybe', /SCHEDULER_ENABLED must be true or false/],
    ['SHUTDOWN_GRACE_SECONDS', '0', /SHUTDOWN_GRACE_SECONDS must not be less than 1/],
    ['SHUTDOWN_GRACE_SECONDS', '601', /SHUTDOWN_GRACE_SECONDS must not be greater than 600/],
    ['SYNC_RUNS_RETENTION_DAYS', '0', /SYNC_RUNS_RETENTION_DAYS must not be less than 1/],
    ['HISTORY_RETENTION_DAYS', '0', /HISTORY_RETENTION_DAYS must be a whole number of days from 1 to 36500/],
    ['HISTORY_RETENTION_DAYS', '36501', /HISTORY_RETENTION_DAYS must be a whole number of days from 1 to 36500/],
    ['HISTORY_RETENTION_DAYS', 'a year', /HISTORY_RETENTION_DAYS must be a whole number of days .*\(got "a year"\)/],
    ['IMPORT_MAX_BYTES', '0', /IMPORT_MAX_BYTES must be a whole number of bytes, at least 1 \(got "0"\)/],
    ['IMPORT_MAX_BYTES', '2GB', /IMPORT_MAX_BYTES must be a whole number of bytes, at least 1 \(got "2GB"\)/],
    ['DATABASE_STATEMENT_TIMEOUT_MS', 'soon', /DATABASE_STATEMENT_TIMEOUT_MS must be an integer number/],
    ['TWITTER_API_VERSION', '3', /TWITTER_API_VERSION must be 2 or 1.1/],
    ['TWITTER_SCREEN_NAMES', 'ok,not ok!', /TWITTER_SCREEN_NAMES must be a comma-separated list/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(message);
  });

  it('keeps history forever unless HISTORY_RETENTION_DAYS is set', () => {
    expect(validateEnvironment({}).HISTORY_RETENTION_DAYS).toBeUndefined();
    expect(validateEnvironment({ HISTORY_RETENTION_DAYS: '' }).HISTORY_RETENTION_DAYS).toBeUndefined();
    expect(validateEnvironment({ HISTORY_RETENTION_DAYS: '365' }).HISTORY_RETENTION_DAYS).toBe(365);
  });

  it('parses booleans and lists', () => {
    expect(
      validateEnvironment({
        SCHEDULER_ENABLED: 'false',
        SYNC_ON_STARTUP: '1',
        TWITTER_SCREEN_NAMES: ' NASA, XDevelopers ,',
        TWITTER_BEARER_TOKEN: 't',
      }),
    ).toMatchObject({ SCHEDULER_ENABLED: false, SYNC_ON_STARTUP: true, TWITTER_SCREEN_NAMES: ['NASA', 'XDevelopers'] });
  });

  it('requires credentials for the accounts, and all four OAuth 1.0a variables or none', () => {
    expect(() => validateEnvironment({ TWITTER_SCREEN_NAMES: 'NASA' })).toThrow(/no X API credentials/);
    expect(() => validateEnvironment({ TWITTER_CONSUMER_KEY: 'k' })).toThrow(
      /missing: TWITTER_CONSUMER_SECRET, TWITTER_ACCESS_TOKEN, TWITTER_ACCESS_TOKEN_SECRET/,
    );
  });

  it('never repeats a secret in its messages', () => {
    expect(() => validateEnvironment({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/^(?![\s\S]*hunter2)/);
  });

  it('names every bad variable at once', () => {
    expect(() => validateEnvironment({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/,
    );
  });
});
