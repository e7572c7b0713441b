/** Where the CLI looks for a store when no --store is given: the store's own default path. */
export const DEFAULT_STORE = './data/troupe';
export const BENCH_RESULTS = 'bench/results/latest.json';
export const BENCH_REPORT = 'bench/results/report.html';
