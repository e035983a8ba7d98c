import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { SingleBar } from 'cli-progress';
import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ConfigurationError, loadEnvironment } from '../config/environment';
import { createCommandContext } from '../command-context';
import { TweetsModule } from '../tweets/tweets.module';
import { TweetsRepository } from '../tweets/tweets.repository';
import { toTweetFilter } from '../tweets/tweet.dto';
import { TweetExportQueryDto } from './export.dto';
import { exportTweets } from './tweet-export';

// Without a terminal (a log file, CI), a line this often instead of a bar.
const LOG_EVERY_MS = 5000;

const USAGE =
  'usage: npm run export -- [--format jsonl|csv] [--screen-name NAME] [--since INSTANT] [--until INSTANT] ' +
  '[--q QUERY] [--include deleted,raw] [--output FILE]   (stdout without --output)';

/** `npm run export -- …`: GET /tweets/export on the configured database, to a file or stdout. */
async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        format: { type: 'string' },
        'screen-name': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        q: { type: 'string' },
        include: { type: 'string' },
        output: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  // The same rules, and messages, as the endpoint's.
  const given = {
    format: values.format,
    screenName: values['screen-name'],
    since: values.since,
    until: values.until,
    q: values.q,
    include: values.include,
  };
  // Options left out keep the DTO's defaults (format jsonl), as a query string's would.
  const query = plainToInstance(
    TweetExportQueryDto,
    Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
  );
  const problems = await validate(query, { stopAtFirstError: true });
  if (problems.length > 0) {
    for (const problem of problems) console.error(Object.values(problem.constraints ?? {}).join('; '));
    console.error(USAGE);
    process.exit(2);
  }
  const environment = loadEnvironment();

  const app = await createCommandContext(environment, TweetsModule);
  const repository = app.get(TweetsRepository);
  const filter = toTweetFilter(query);
  const total = await repository.countTweets(filter);
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'exporting [{bar}] {percentage}% | {value}/{total} tweets', stream: process.stderr })
    : null;
  bar?.start(total, 0);
  let logged = Date.now();
  let done = 0;
  const show = (exported: number) => {
    done = exported;
    if (bar) bar.update(exported);
    else if (values.output && Date.now() - logged >= LOG_EVERY_MS) {
      logged = Date.now();
      console.error(`${exported} of ${total} tweets exported`);
    }
  };
  const output: Writable = values.output ? createWriteStream(values.output) : process.stdout;
  let exitCode = 0;
  try {
    await pipeline(
      Readable.from(exportTweets(repository, filter, query.format, environment.APP_TIMEZONE, show)),
      output,
    );
    bar?.stop();
    if (values.output) console.error(`${done} tweets exported to ${values.output}`);
  } catch (error) {
    bar?.stop();
    console.error(error);
    exitCode = 1;
  }
  await app.close();
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
