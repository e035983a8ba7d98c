import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser } from './support/browser';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'docs', 'screenshots');

/**
 * `npm run screenshots`: the README's pictures, taken from a running demo (`npm run demo`, or
 * BASE_URL=http://host:port for another).
 */
async function main(): Promise<void> {
  const base = process.env.BASE_URL ?? 'http://localhost:3000';
  const account = process.env.SCREENSHOT_ACCOUNT ?? 'long_history';
  await mkdir(OUT, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    const browser = await launchBrowser({ colorScheme });
    try {
      const page = await browser.context.newPage();
      for (const [name, path] of [
        ['timeline', '/'],
        ['account', `/@${account}`],
      ]) {
        await page.goto(base + path, { waitUntil: 'networkidle' });
        const file = join(OUT, `${name}-${colorScheme}.png`);
        await page.screenshot({ path: file, fullPage: false });
        console.log(`wrote ${file}`);
      }
    } finally {
      await browser.close();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
