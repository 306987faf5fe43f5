// @ts-expect-error: the package ships no types; its output is typed below (prom2json's shape).
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

interface Sample {
  value?: string;
  count?: string;
  sum?: string;
  buckets?: Record<string, string>;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  help: string;
  metrics: Sample[];
}

/** /metrics text parsed by a Prometheus text-format parser (not by our own code), with lookups. */
export class Scrape {
  readonly families: Map<string, Family>;

  constructor(private readonly text: string) {
    const parsed = parsePrometheusTextFormat(text) as Family[];
    this.families = new Map(parsed.map((f) => [f.name, f]));
  }

  /** The samples of a family whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    const family = this.families.get(name);
    if (!family) return [];
    return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** A counter's or gauge's value summed over the matching samples (0 when none). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
  }

  /**
   * A histogram's observation count (its `_count` series) summed over the series whose labels
   * include `labels`. The parser keeps one label set per histogram, so the `_count` lines are read
   * here; the parse in the constructor has checked the whole text first.
   */
  count(name: string, labels: Record<string, string> = {}): number {
    let sum = 0;
    for (const line of this.text.split('\n')) {
      const m = new RegExp(`^${name}_count\\{(.*)\\} (\\S+)$`).exec(line);
      if (!m) continue;
      const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((p) => [p[1], p[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[2]);
    }
    return sum;
  }
}
