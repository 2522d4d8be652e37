// The overview's numbers from the gateway's /metrics (Prometheus text format 0.0.4): pure functions,
// no DOM, so a test can call them. The metrics are this process's and every tenant's: the same numbers
// /metrics serves without a credential (see README, Metrics and health).

/** Every sample: { name, labels: {k: v}, value }. Comments and malformed lines are skipped. */
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = Number(m[3]);
    if (!Number.isNaN(value)) samples.push({ name: m[1], labels, value });
  }
  return samples;
}

function sum(samples, name, filter = () => true) {
  return samples.filter((s) => s.name === name && filter(s.labels)).reduce((total, s) => total + s.value, 0);
}

function groupSum(samples, name, label) {
  const out = {};
  for (const s of samples.filter((x) => x.name === name)) {
    out[s.labels[label] ?? ''] = (out[s.labels[label] ?? ''] ?? 0) + s.value;
  }
  return out;
}

/** The q-quantile (0..1) of a cumulative histogram's buckets [{le, count}], by linear interpolation within the bucket. */
export function quantile(buckets, q) {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.length ? sorted[sorted.length - 1].count : 0;
  if (!total) return null;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return previousLe;
      const inBucket = b.count - previousCount;
      return inBucket ? previousLe + (b.le - previousLe) * ((rank - previousCount) / inBucket) : b.le;
    }
    previousLe = b.le;
    previousCount = b.count;
  }
  return previousLe;
}

/** What the overview shows, from one scrape. */
export function summarize(samples) {
  const plugins = {};
  for (const s of samples.filter((x) => x.name === 'fabric_plugin_calls_seconds_bucket')) {
    const p = (plugins[s.labels.plugin] ??= { buckets: new Map(), count: 0, sum: 0 });
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    p.buckets.set(le, (p.buckets.get(le) ?? 0) + s.value);
  }
  for (const s of samples.filter((x) => x.name === 'fabric_plugin_calls_seconds_count' || x.name === 'fabric_plugin_calls_seconds_sum')) {
    const p = (plugins[s.labels.plugin] ??= { buckets: new Map(), count: 0, sum: 0 });
    if (s.name.endsWith('_count')) p.count += s.value;
    else p.sum += s.value;
  }
  const latency = Object.entries(plugins).filter(([, p]) => p.count > 0).map(([plugin, p]) => {
    const buckets = [...p.buckets].map(([le, count]) => ({ le, count }));
    return { plugin, calls: p.count, meanMs: (p.sum / p.count) * 1000,
      p50Ms: ms(quantile(buckets, 0.5)), p99Ms: ms(quantile(buckets, 0.99)) };
  }).sort((a, b) => a.plugin.localeCompare(b.plugin));
  return {
    decisions: groupSum(samples, 'fabric_decisions_total', 'outcome'),
    pending: sum(samples, 'fabric_approvals_pending'),
    oldestPendingSeconds: sum(samples, 'fabric_approvals_oldest_age_seconds'),
    deadLetters: sum(samples, 'fabric_dead_letters_total'),
    deadLettersByReason: groupSum(samples, 'fabric_dead_letters_total', 'reason'),
    replays: sum(samples, 'fabric_replays_total'),
    breakersTripped: sum(samples, 'fabric_breakers_tripped'),
    latency,
  };
}

function ms(seconds) {
  return seconds === null ? null : seconds * 1000;
}

/** Per minute, between two scrapes taken atMillis apart; null for the first. */
export function perMinute(before, after, elapsedMillis) {
  if (before === null || before === undefined || elapsedMillis <= 0) return null;
  return Math.max(0, after - before) * 60000 / elapsedMillis;
}
