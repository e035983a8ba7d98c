import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric of the service but Node's defaults starts with it. */
export const METRIC_PREFIX = 'timeline_sync_';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that two services in one process (the tests) count apart. Label values are bounded: fixed sets
 * (statuses, kinds, X's route templates, schedule entries) and the configured accounts' names,
 * never a value a client sends.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly syncRuns = new Counter({
    name: `${METRIC_PREFIX}sync_runs_total`,
    help: 'Sync runs finished, by what started them and how they ended',
    labelNames: ['trigger', 'status'] as const,
    registers: [this.registry],
  });

  readonly syncRunDuration = new Histogram({
    name: `${METRIC_PREFIX}sync_run_duration_seconds`,
    help: 'How long a sync run took, from its start to its recorded end',
    labelNames: ['trigger'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  readonly accountSyncs = new Counter({
    name: `${METRIC_PREFIX}account_syncs_total`,
    help: "Accounts' parts of sync runs, by how they ended",
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly tweetsWritten = new Counter({
    name: `${METRIC_PREFIX}tweets_written_total`,
    help: 'Tweets the sync or an archive import wrote: inserted, updated (content or metrics changed), unchanged',
    labelNames: ['source', 'kind'] as const,
    registers: [this.registry],
  });

  readonly xApiRequests = new Counter({
    name: `${METRIC_PREFIX}x_api_requests_total`,
    help: 'Requests to the X API, by route template and HTTP status (network: no answer)',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWaits = new Counter({
    name: `${METRIC_PREFIX}rate_limit_waits_total`,
    help: "Waits for an X API endpoint's spent rate-limit window to reset",
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWaitSeconds = new Counter({
    name: `${METRIC_PREFIX}rate_limit_wait_seconds_total`,
    help: 'Seconds the sync waited for rate-limit windows to reset',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRemaining = new Gauge({
    name: `${METRIC_PREFIX}x_api_rate_limit_remaining`,
    help: "Requests left in the endpoint's rate-limit window, as its last answer said",
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly rateLimitReset = new Gauge({
    name: `${METRIC_PREFIX}x_api_rate_limit_reset_timestamp_seconds`,
    help: "When the endpoint's rate-limit window resets (Unix time), as its last answer said",
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: "Requests to this service's HTTP API, by route pattern, method and status",
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly scheduleTicks = new Counter({
    name: `${METRIC_PREFIX}schedule_ticks_total`,
    help: 'Ticks of the schedule entries this replica claimed: run, skipped (a sync was still running) or failed',
    labelNames: ['entry', 'outcome'] as const,
    registers: [this.registry],
  });

  /** What one write stored, by kind. */
  countTweetsWritten(source: 'sync' | 'import', counts: Record<'inserted' | 'updated' | 'unchanged', number>): void {
    for (const kind of ['inserted', 'updated', 'unchanged'] as const) {
      this.tweetsWritten.inc({ source, kind }, counts[kind]);
    }
  }

  /** Node's process metrics (CPU, memory, event loop, GC), under their usual names. */
  collectDefaults(): void {
    collectDefaultMetrics({ register: this.registry });
  }
}
