// What the benchmarks drive below the GraphQL API (beyond index.ts and testing.ts): the metric store's code run
// directly on a pool, so bench:storage and bench/series-profile.ts time compaction and the series read without HTTP,
// and bench:query times the rollup statement itself against the one it replaced. Not for anything but benchmarks.
export { compactRun } from './modules/metric/compaction.ts';
export { metricSeries } from './modules/metric/series.ts';
export { ROLLUP_SQL } from './modules/metric/store.ts';
