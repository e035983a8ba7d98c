import request from 'supertest';
import { startApp, RunningApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const NASA = userRow({ id: '11348282', screenName: 'NASA', name: 'NASA & <friends>' });
const TWEET = tweetRow({
  id: '9007199254740993', // 2^53 + 1
  authorId: NASA.id,
  createdAt: new Date('2024-10-26T14:00:00.000Z'),
  text: '"><script>alert(1)</script> & @ESA #Artemis https://t.co/abc',
  entities: {
    mentions: [{ start: 32, end: 36, username: 'ESA' }],
    hashtags: [{ start: 37, end: 45, tag: 'Artemis' }],
    urls: [
      {
        start: 46,
        end: 64,
        url: 'https://t.co/abc',
        expanded_url: 'https://www.nasa.gov/artemis?x=1&y="2"',
        display_url: 'nasa.gov/artemis?x=1&y=…',
      },
    ],
  },
});

describe.each(DATABASE_KINDS)('the pages over HTTP, on %s', (kind) => {
  let database: TestDatabase;
  let running: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    running = await startApp({
      DATABASE_URL: database.url,
      TWITTER_SCREEN_NAMES: 'NASA',
      TWITTER_BEARER_TOKEN: 'unused',
      TWITTER_API_BASE_URL: 'http://127.0.0.1:9',
    });
    await running.repository.upsertUsers([NASA], 'update');
    await running.repository.upsertTweets([TWEET], 'update');
  });

  afterAll(async () => {
    await running?.close();
    await database?.drop();
  });

  it('answers a browser with the page and every other client with the JSON it always had', async () => {
    for (const path of ['/accounts', `/tweets/${TWEET.id}`]) {
      const page = await request(running.url).get(path).set('Accept', BROWSER_ACCEPT).expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).toMatch(/^<!doctype html><html lang="en">/);
      for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html;q=0.5']) {
        const call = request(running.url).get(path);
        const json = await (accept === undefined ? call : call.set('Accept', accept)).expect(200);
        expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      }
    }
    // GET /schedules keeps its token (none is set: 403); the page shows the entries read-only.
    await request(running.url).get('/schedules').expect(403);
    await request(running.url)
      .get('/schedules')
      .set('Accept', BROWSER_ACCEPT)
      .expect(200)
      .expect(/Schedules/);
    // Pages of their own answer any client.
    for (const path of ['/', '/runs', '/@NASA']) {
      await request(running.url).get(path).expect(200).expect('content-type', 'text/html; charset=utf-8');
    }
  });

  it('escapes what a tweet and a profile hold, and links only what the entities name', async () => {
    const page = await request(running.url).get(`/tweets/${TWEET.id}`).set('Accept', BROWSER_ACCEPT).expect(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('&quot;>&lt;script>alert(1)&lt;/script> &amp; ');
    expect(page.text).toContain('NASA &amp; &lt;friends>');
    expect(page.text).toContain('<a class="mention" href="/@ESA">@ESA</a>');
    expect(page.text).toContain('<a class="hashtag" href="/?q=%23Artemis">#Artemis</a>');
    expect(page.text).toContain('href="https://www.nasa.gov/artemis?x=1&amp;y=&quot;2&quot;"');
    expect(page.text).toContain('>nasa.gov/artemis?x=1&amp;y=…</a>');
    expect(page.text).not.toContain('https://t.co/abc<');
  });

  it('sets the security headers: scripts and styles only from the service itself', async () => {
    const page = await request(running.url).get('/').expect(200);
    const policy = page.headers['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("style-src 'self'");
    expect(policy).toContain("img-src 'self' data: https://pbs.twimg.com");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(policy).not.toContain('unsafe-inline');
    // Swagger UI's inline styles are allowed on /docs alone.
    const docs = await request(running.url).get('/docs').expect(200);
    expect(docs.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(page.headers['referrer-policy']).toBe('same-origin');
    // The page has no inline script or style for the policy to block.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.text).not.toMatch(/<style|\sstyle="|\son\w+=/);
    const script = await request(running.url).get('/assets/app.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    await request(running.url).get('/assets/vendor/uPlot.iife.min.js').expect(200);
    // Only uPlot's two files come from node_modules.
    await request(running.url).get('/assets/vendor/package.json').expect(404);
    const outside = await request(running.url).get('/assets/%2e%2e/package.json');
    expect(outside.text).not.toContain('twitter-timeline-sync');
  });

  it('answers a bad address as a page naming the problem', async () => {
    const missing = await request(running.url).get('/tweets/1').set('Accept', BROWSER_ACCEPT).expect(404);
    expect(missing.text).toContain('tweet 1 is not stored');
    const bad = await request(running.url).get('/tweets/abc').set('Accept', BROWSER_ACCEPT).expect(400);
    expect(bad.text).toContain('id must be a tweet id: 1 to 19 digits');
    await request(running.url)
      .get('/@nobody')
      .expect(404)
      .expect(/@nobody is neither stored nor in the list/);
    const search = await request(running.url).get('/?q=&since=2024-13-01&screenName=NASA').expect(400);
    expect(search.text).toMatch(/since must be a real ISO-8601 instant/);
    await request(running.url)
      .get('/?color=red')
      .expect(400)
      .expect(/property color should not exist/);
  });
});

describe('WEB_ENABLED=false', () => {
  it('leaves only the JSON API', async () => {
    const database = await createTestDatabase('pglite');
    const running = await startApp({ DATABASE_URL: database.url, WEB_ENABLED: 'false' });
    try {
      await request(running.url).get('/').set('Accept', BROWSER_ACCEPT).expect(404);
      await request(running.url).get('/runs').expect(404);
      await request(running.url).get('/assets/app.js').expect(404);
      const accounts = await request(running.url).get('/accounts').set('Accept', BROWSER_ACCEPT).expect(200);
      expect(accounts.headers['content-type']).toBe('application/json; charset=utf-8');
    } finally {
      await running.close();
      await database.drop();
    }
  });

  it('refuses a value that is not a boolean, naming the variable', async () => {
    await expect(startApp({ DATABASE_URL: 'pglite://memory', WEB_ENABLED: 'maybe' })).rejects.toThrow(
      /WEB_ENABLED must be true or false/,
    );
  });
});
