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

  it('names every bad variable at once', () => {
    expect(() => validateEnvironment({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/,
    );
  });
});
