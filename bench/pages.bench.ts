import { median, startService } from './bench-process';
import { seed } from './read.bench';

/**
 * The pages (issue 12): each page's HTML, server-rendered by the built service on 1,000,000 stored
 * tweets, against the JSON API's answer holding the same data from the same service in the same
 * run (a ratio: what rendering the page costs on top of the query). One connection, page and JSON
 * in turns, timed from request to last byte. Target: the timeline's 50 tweets under 30 ms at the median.
 */
const TWEETS = 1_000_000;
const QUICK_TWEETS = 100_000;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';

async function timed(url: string, accept: string): Promise<{ ms: number; bytes: number }> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { Accept: accept } });
  const body = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return { ms, bytes: Buffer.byteLength(body) };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

export async function benchPages(databaseUrl: string, { quick }: { quick: boolean }): Promise<void> {
  const count = quick ? QUICK_TWEETS : TWEETS;
  const requests = quick ? 40 : 200;
  const seedSeconds = await seed(databaseUrl, count);
  const retweet = String(1850000000000000000n + 10n);
  const cells = [
    { label: '/ (the timeline, 50 tweets)', page: '/', json: '/tweets?limit=50' },
    { label: '/?screenName=author_1', page: '/?screenName=author_1', json: '/tweets?limit=50&screenName=author_1' },
    { label: '/?q=orbit', page: '/?q=orbit', json: '/tweets?limit=50&q=orbit' },
    { label: '/tweets/:id (a retweet)', page: `/tweets/${retweet}`, json: `/tweets/${retweet}` },
    { label: '/@author_1 (profile, charts, 20 tweets)', page: '/@author_1', json: '/users/author_1' },
  ];
  const service = await startService({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  try {
    console.log(
      `\nPages: the built service's HTML against its own JSON of the same data, ${count.toLocaleString('en')} stored ` +
        `tweets (seeded in ${seedSeconds.toFixed(0)} s), ${requests} requests each at one connection, in turns. ` +
        'Target: the timeline under 30 ms at the median.',
    );
    console.log('| page | HTML | page median | page p95 | JSON | JSON median | page / JSON |');
    console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: |');
    for (const cell of cells) {
      const page: number[] = [];
      const json: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 10; i++) {
        await timed(service.url + cell.page, BROWSER_ACCEPT);
        await timed(service.url + cell.json, 'application/json');
      }
      for (let i = 0; i < requests; i++) {
        const html = await timed(service.url + cell.page, BROWSER_ACCEPT);
        bytes = html.bytes;
        page.push(html.ms);
        json.push((await timed(service.url + cell.json, 'application/json')).ms);
      }
      console.log(
        `| ${cell.label} | ${(bytes / 1024).toFixed(0)} KB | ${median(page).toFixed(1)} ms | ` +
          `${percentile(page, 0.95).toFixed(1)} ms | \`${cell.json}\` | ${median(json).toFixed(1)} ms | ` +
          `${(median(page) / median(json)).toFixed(2)}× |`,
      );
    }
  } finally {
    await service.stop();
  }
}
