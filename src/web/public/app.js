// The pages read without this script; it adds: the token and the actions it allows, charts drawn
// from their tables, the timeline continuing as you scroll and new tweets arriving at its top, and
// a running sync's progress.
'use strict';

(() => {
  const TOKEN_KEY = 'timeline-sync.token';
  const LIVE_POLL_MS = Number(document.documentElement.dataset.pollMs ?? 5000);
  const RUNS_REFRESH_MS = 2000;

  const byId = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem(TOKEN_KEY);

  /** Says `text` to a screen reader (the live region) without moving anything. */
  function announce(text) {
    const region = byId('announcer');
    region.textContent = '';
    setTimeout(() => (region.textContent = text), 50);
  }

  async function fetchPage(url) {
    const response = await fetch(url, { headers: { Accept: 'text/html' } });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return new DOMParser().parseFromString(await response.text(), 'text/html');
  }

  // The token: kept in this tab's session storage, sent only as the bearer header.
  function showTokenState() {
    const entered = token() !== null;
    for (const element of document.querySelectorAll('.api-action, .needs-token')) element.hidden = !entered;
    document.body.classList.toggle('has-token', entered);
    byId('token-forget').hidden = !entered;
    byId('token-state').textContent = entered ? 'Token entered: actions are on.' : 'Read-only.';
  }

  const tokenForm = byId('token-form');
  tokenForm.hidden = false;
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('token-input');
    if (input.value.trim() !== '') sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    showTokenState();
  });
  byId('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
  });
  showTokenState();

  /** A form's named fields as the JSON API takes them. */
  function fieldsOf(form) {
    const body = {};
    for (const field of form.elements) {
      if (!field.name) continue;
      if (field.type === 'checkbox') body[field.name] = field.checked;
      else if (field.value === '') continue;
      else if (field.type === 'number') body[field.name] = Number(field.value);
      else if (field.dataset.array) body[field.name] = [field.value];
      else body[field.name] = field.value;
    }
    return body;
  }

  function problemOf(answer, status) {
    if (status === 401) return 'The token was refused: enter it again.';
    const message = answer && answer.message;
    if (Array.isArray(message)) return message.join('; ');
    return message || `The service answered ${status}.`;
  }

  // The timeline's search leaves its empty fields out of the URL.
  document.querySelector('form.filters')?.addEventListener('submit', (event) => {
    for (const field of event.target.elements) if (field.name && field.value === '') field.disabled = true;
    setTimeout(() => {
      for (const field of event.target.elements) field.disabled = false;
    });
  });

  document.addEventListener('submit', async (event) => {
    const form = event.target.closest('form.api-action');
    if (!form) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const output = form.querySelector('.action-result');
    const button = form.querySelector('button[type=submit]');
    const headers = { Authorization: `Bearer ${token()}` };
    let body;
    if (form.dataset.upload) {
      body = new FormData(form);
    } else {
      const fields = form.dataset.body ? JSON.parse(form.dataset.body) : fieldsOf(form);
      if (Object.keys(fields).length > 0) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(fields);
      }
    }
    button.disabled = true;
    output.textContent = 'Sending…';
    try {
      const response = await fetch(form.dataset.path, { method: form.dataset.method, headers, body });
      const answer = await response.json().catch(() => null);
      if (!response.ok) {
        output.textContent = problemOf(answer, response.status);
        announce(output.textContent);
        return;
      }
      announce(`${button.textContent}: done.`);
      if (form.dataset.upload) {
        // An import runs in the background: its record says how far it is.
        output.textContent = 'Import started: ';
        const link = document.createElement('a');
        link.href = response.headers.get('Location');
        link.textContent = 'its progress';
        output.append(link);
      } else if (byId('runs')) {
        output.textContent = 'Done.';
        await refreshRuns(true);
      } else {
        output.textContent = 'Done.';
        setTimeout(() => window.location.reload(), 400);
      }
    } catch (error) {
      output.textContent = `The service did not answer: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });

  // An avatar X no longer serves (or that this network cannot reach) shows the name's initial.
  function replaceAvatar(image) {
    const initial = document.createElement('span');
    initial.className = image.className;
    initial.setAttribute('aria-hidden', 'true');
    const name = image.closest('article, .profile')?.querySelector('strong, h1');
    initial.textContent = name ? name.textContent.trim().slice(0, 1) : '';
    image.replaceWith(initial);
  }
  const isAvatar = (element) => element instanceof HTMLImageElement && element.classList.contains('avatar');
  document.addEventListener('error', (event) => isAvatar(event.target) && replaceAvatar(event.target), true);
  // Those that failed before this script ran.
  for (const image of document.querySelectorAll('img.avatar')) {
    if (image.complete && image.naturalWidth === 0) replaceAvatar(image);
  }

  // Charts: uPlot draws each figure's table. The colours come from the stylesheet (light or dark).
  function drawChart(figure) {
    const table = figure.querySelector('table.numbers');
    const rows = [...table.querySelectorAll('tbody tr')];
    const names = [...table.querySelectorAll('thead th')].slice(1).map((th) => th.textContent);
    const xs = rows.map((row) => Number(row.querySelector('th').dataset.x));
    const labels = rows.map((row) => row.querySelector('th').textContent);
    let series = names.map((_, column) =>
      rows.map((row) => {
        const value = row.querySelectorAll('td')[column].dataset.value;
        return value === '' ? null : Number(value);
      }),
    );
    const bars = figure.dataset.chart === 'bars';
    // Stacked bars: each series drawn as the running total, the widest first, so each shows its share.
    if (bars)
      series = series.map((_, index) => xs.map((_, i) => series.slice(index).reduce((sum, s) => sum + (s[i] ?? 0), 0)));
    const style = getComputedStyle(document.documentElement);
    const colour = (index) => style.getPropertyValue(`--series-${index + 1}`).trim();
    const axis = {
      stroke: style.getPropertyValue('--text').trim(),
      grid: { stroke: style.getPropertyValue('--rule').trim() },
    };
    const plot = figure.querySelector('.plot');
    plot.textContent = '';
    const chart = new uPlot(
      {
        width: Math.max(plot.clientWidth, 280),
        height: 220,
        scales: { x: { time: !bars } },
        axes: [bars ? { ...axis, values: (_, ticks) => ticks.map((tick) => labels[tick] ?? '') } : axis, axis],
        series: [
          { label: table.querySelector('thead th').textContent, value: (_, x) => (bars ? labels[x] : x) },
          ...names.map((name, index) => ({
            label: name,
            stroke: colour(index),
            fill: bars ? colour(index) : undefined,
            width: 2,
            points: { show: !bars && xs.length < 60 },
            paths: bars ? uPlot.paths.bars({ size: [0.7, 60] }) : undefined,
            // A stacked bar shows its own count, not the running total.
            value: bars
              ? (_, v, seriesIndex, i) => (i == null ? '' : series[index][i] - (series[index + 1]?.[i] ?? 0))
              : undefined,
          })),
        ],
      },
      [xs, ...series],
      plot,
    );
    figure.dataset.points = String(xs.length);
    return chart;
  }

  if (window.uPlot) {
    const charts = [...document.querySelectorAll('figure[data-chart]')].map((figure) => ({
      figure,
      chart: drawChart(figure),
    }));
    const redraw = () => {
      for (const entry of charts) {
        entry.chart.destroy();
        entry.chart = drawChart(entry.figure);
      }
    };
    let resizing;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(redraw, 200);
    });
    // Light or dark: the colours follow the system's setting when it changes.
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  }

  // The timeline: older pages as you scroll (the "Older tweets" link's page), new tweets at the top.
  const timeline = byId('timeline');
  const shownIds = () => new Set([...timeline.children].map((item) => item.dataset.id));

  let loadingOlder = false;
  async function loadOlder() {
    const older = byId('older');
    if (!older || loadingOlder) return;
    loadingOlder = true;
    try {
      const page = await fetchPage(older.href);
      const shown = shownIds();
      for (const item of page.querySelectorAll('#timeline > li'))
        if (!shown.has(item.dataset.id)) timeline.append(item);
      const next = page.getElementById('older');
      if (next) older.href = next.href;
      else older.parentElement.remove();
    } catch (error) {
      older.textContent = `Older tweets (loading failed: ${error.message}; try again)`;
    } finally {
      loadingOlder = false;
    }
  }

  const older = byId('older');
  if (timeline && older) {
    older.addEventListener('click', (event) => {
      event.preventDefault();
      void loadOlder();
    });
    new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void loadOlder();
      },
      { rootMargin: '600px' },
    ).observe(older);
  }

  async function pollNewTweets() {
    try {
      const page = await fetchPage(timeline.dataset.live);
      const shown = shownIds();
      const fresh = [];
      for (const item of page.querySelectorAll('#timeline > li')) {
        if (shown.has(item.dataset.id)) break;
        fresh.push(item);
      }
      if (fresh.length === 0) return;
      // Reading further down: the page keeps its place while tweets arrive above.
      const before = document.documentElement.scrollHeight;
      timeline.prepend(...fresh);
      if (window.scrollY > 0) window.scrollBy(0, document.documentElement.scrollHeight - before);
      const notice = byId('new-tweets');
      const text = `${fresh.length} new tweet${fresh.length === 1 ? '' : 's'} at the top`;
      notice.textContent = text;
      notice.hidden = false;
      announce(text);
      document.querySelector('.empty')?.remove();
    } catch {
      // The next poll tries again.
    }
  }

  if (timeline && timeline.dataset.live) setInterval(pollNewTweets, LIVE_POLL_MS);

  // Sync runs: while one runs, the list refreshes itself.
  let refreshing;
  async function refreshRuns(soon = false) {
    clearTimeout(refreshing);
    const runs = byId('runs');
    try {
      const page = await fetchPage('/runs');
      const next = page.getElementById('runs');
      const openRuns = new Set([...runs.querySelectorAll('details[open]')].map((d) => d.parentElement.dataset.run));
      runs.innerHTML = next.innerHTML;
      for (const details of runs.querySelectorAll('li[data-run] > details')) {
        if (openRuns.has(details.parentElement.dataset.run)) details.open = true;
      }
      runs.dataset.refresh = next.dataset.refresh ?? '';
    } catch {
      // Shown as it was; the next refresh tries again.
    }
    if (runs.dataset.refresh || soon) refreshing = setTimeout(() => refreshRuns(), RUNS_REFRESH_MS);
  }
  if (byId('runs')?.dataset.refresh) refreshing = setTimeout(() => refreshRuns(), RUNS_REFRESH_MS);
})();
