import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import type { VNode } from 'preact';

const NAV = [
  ['/', 'Timeline'],
  ['/accounts', 'Accounts'],
  ['/runs', 'Sync runs'],
  ['/schedules', 'Schedules'],
] as const;

/** The page around every view: navigation, the token form (shown by app.js), the assets. */
export function Layout({ title, current, children }: { title: string; current: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · timeline sync`}</title>
        <link rel="stylesheet" href="/assets/vendor/uPlot.min.css" />
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/vendor/uPlot.iife.min.js" defer></script>
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <nav aria-label="Main">
            <ul>
              {NAV.map(([href, label]) => (
                <li key={href}>
                  <a href={href} aria-current={href === current ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <form id="token-form" class="token" hidden>
            <label for="token-input">API token</label>
            <input id="token-input" name="token" type="password" autocomplete="off" placeholder="SYNC_API_TOKEN" />
            <button type="submit">Use</button>
            <button type="button" id="token-forget" hidden>
              Forget token
            </button>
            <span id="token-state" role="status"></span>
          </form>
        </header>
        <main id="main">{children}</main>
        <div id="announcer" class="visually-hidden" aria-live="polite"></div>
      </body>
    </html>
  );
}

/** A whole HTML document. */
export function renderDocument(page: VNode): string {
  return `<!doctype html>${render(page)}`;
}
