import request from 'supertest';

// parse-prometheus-text-format ships no types: its output, as its README documents it.
interface ParsedSample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: ParsedSample[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

/** A scrape of GET /metrics, parsed by a Prometheus text-format parser. */
export class Scrape {
  readonly families: Map<string, ParsedFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  }

  family(name: string): ParsedFamily {
    const family = this.families.get(name);
    if (!family) throw new Error(`no metric ${name} in the scrape`);
    return family;
  }

  /** The counter or gauge sample of `name` with exactly these labels; 0 when absent. */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.sample(name, labels);
    return sample ? Number(sample.value) : 0;
  }

  /**
   * A histogram's observations (`_count`) and their total (`_sum`) with exactly these labels. The
   * parser folds a histogram's label sets into one, so these two lines are read from the text.
   */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
    if (this.family(name).type !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
    const read = (suffix: string) => {
      for (const line of this.text.split('\n')) {
        const match = new RegExp(`^${name}_${suffix}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
        if (!match) continue;
        const found = Object.fromEntries(
          [...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
        );
        if (sameLabels(found, labels)) return Number(match[2]);
      }
      return 0;
    };
    return { count: read('count'), sum: read('sum') };
  }

  sample(name: string, labels: Record<string, string> = {}): ParsedSample | undefined {
    return this.families.get(name)?.metrics.find((sample) => sameLabels(sample.labels ?? {}, labels));
  }

  /** Every value the label takes in the metric's samples. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.family(name).metrics.map((sample) => sample.labels?.[label] ?? ''))].sort();
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const call = request(url).get('/metrics');
  if (token) void call.set('authorization', `Bearer ${token}`);
  const response = await call.expect(200).expect('content-type', /^text\/plain; version=0\.0\.4/);
  return new Scrape(response.text);
}
