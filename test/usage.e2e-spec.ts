import request from 'supertest';
import { DataSource } from 'typeorm';
import { UsageRepository } from '../src/usage/usage.repository';
import { RunningApp, startApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';

const NASA = { id: '1', screenName: 'NASA' };
const ESA = { id: '2', screenName: 'esa' };
const JAXA = { id: '3', screenName: 'JAXA_en' };
const CSA = { id: '4', screenName: 'CSA_ASC' };
const ISRO = { id: '5', screenName: 'isro' };

describe.each(DATABASE_KINDS)('the month usage on %s', (kind) => {
  let database: TestDatabase;
  let service: RunningApp;
  let usage: UsageRepository;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startApp({ DATABASE_URL: database.url, SYNC_MONTHLY_POST_BUDGET: '10000' });
    usage = service.app.get(UsageRepository);
    dataSource = service.app.get(DataSource);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM post_reads');
    await dataSource.query('DELETE FROM x_project_usage');
  });

  it('answers an empty month before anything is read', async () => {
    const body = (await request(service.url).get('/usage').expect(200)).body;
    expect(body).toEqual({
      // The UTC month, whatever the process's time zone (the tests run in Pacific/Chatham).
      month: new Date().toISOString().slice(0, 7),
      postsRead: 0,
      budget: 10000,
      xProjectUsage: null,
      xProjectCap: null,
      xCapResetDay: null,
      byAccount: [],
    });
    expect(await usage.postsReadThisMonth()).toBe(0);
    expect(await usage.findProjectUsage()).toBeNull();
  });

  it('sums the posts read this month, by account, most first, under the latest screen name', async () => {
    await usage.addPostsRead(ESA, 120);
    await usage.addPostsRead(ISRO, 20);
    await usage.addPostsRead(NASA, 100);
    await usage.addPostsRead(JAXA, 300);
    await usage.addPostsRead(CSA, 500);
    await usage.addPostsRead(ESA, 180);
    await usage.addPostsRead({ id: NASA.id, screenName: 'NASA_renamed' }, 200);
    await usage.addPostsRead(JAXA, 0);

    expect(await usage.postsReadThisMonth()).toBe(1420);
    const body = (await request(service.url).get('/usage').expect(200)).body;
    expect(body).toMatchObject({ postsRead: 1420, budget: 10000 });
    // Ties in screen name order, case-insensitive.
    expect(body.byAccount).toEqual([
      { screenName: 'CSA_ASC', postsRead: 500 },
      { screenName: 'esa', postsRead: 300 },
      { screenName: 'JAXA_en', postsRead: 300 },
      { screenName: 'NASA_renamed', postsRead: 300 },
      { screenName: 'isro', postsRead: 20 },
    ]);
  });

  it('counts nothing for zero posts', async () => {
    await usage.addPostsRead(NASA, 0);
    expect((await request(service.url).get('/usage').expect(200)).body).toMatchObject({ postsRead: 0, byAccount: [] });
    expect(await dataSource.query('SELECT * FROM post_reads')).toEqual([]);
  });

  it('counts reads within the transaction of their page: rolled back, they are not counted', async () => {
    await dataSource.transaction(async (manager) => {
      await usage.addPostsRead(NASA, 40, manager);
    });
    await expect(
      dataSource.transaction(async (manager) => {
        await usage.addPostsRead(ESA, 50, manager);
        throw new Error('the page failed');
      }),
    ).rejects.toThrow('the page failed');
    expect((await request(service.url).get('/usage').expect(200)).body.byAccount).toEqual([
      { screenName: 'NASA', postsRead: 40 },
    ]);
  });

  it('counts only this UTC month: last month is left behind', async () => {
    await dataSource.query(
      `INSERT INTO post_reads (month, account_id, screen_name, posts)
       VALUES ((date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date, $1, $2, 5000)`,
      [NASA.id, NASA.screenName],
    );
    await usage.addPostsRead(NASA, 7);
    expect(await usage.postsReadThisMonth()).toBe(7);
    const body = (await request(service.url).get('/usage').expect(200)).body;
    expect(body).toMatchObject({ postsRead: 7, byAccount: [{ screenName: 'NASA', postsRead: 7 }] });
    const months: { posts: string }[] = await dataSource.query(
      'SELECT posts::text AS posts FROM post_reads ORDER BY month',
    );
    expect(months.map((row) => row.posts)).toEqual(['5000', '7']);
  });

  it("answers the X project's figures once saved, the latest replacing the one before", async () => {
    const before = Date.now();
    await usage.saveProjectUsage({ projectUsage: 1200, projectCap: 10000, capResetDay: 18 });
    await usage.saveProjectUsage({ projectUsage: 1500, projectCap: 15000, capResetDay: null });
    const saved = await usage.findProjectUsage();
    expect(saved).toEqual({ projectUsage: 1500, projectCap: 15000, capResetDay: null, fetchedAt: expect.any(Date) });
    // The database's clock, not far from this one.
    expect(Math.abs(saved!.fetchedAt.getTime() - before)).toBeLessThan(60_000);
    expect((await dataSource.query('SELECT count(*)::int AS count FROM x_project_usage'))[0].count).toBe(1);

    await usage.saveProjectUsage({ projectUsage: 2500, projectCap: 15000, capResetDay: 3 });
    const body = (await request(service.url).get('/usage').expect(200)).body;
    expect(body).toMatchObject({ xProjectUsage: 2500, xProjectCap: 15000, xCapResetDay: 3 });
  });

  it('refuses a NUL character in a query parameter', async () => {
    const body = (await request(service.url).get('/usage?probe=%00').expect(400)).body;
    expect(body.message).toEqual(['probe must not contain NUL (U+0000)']);
  });
});

// A process has one PGlite in memory, which an app closes with it: this app starts once the other one is closed.
describe.each(DATABASE_KINDS)('the month usage without SYNC_MONTHLY_POST_BUDGET on %s', (kind) => {
  let database: TestDatabase;
  let service: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startApp({ DATABASE_URL: database.url });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('answers budget null: no limit', async () => {
    await service.app.get(UsageRepository).addPostsRead(NASA, 11);
    const body = (await request(service.url).get('/usage').expect(200)).body;
    expect(body).toMatchObject({ budget: null, postsRead: 11, byAccount: [{ screenName: 'NASA', postsRead: 11 }] });
  });
});
