export { Analyst, Lead, Ledger, JOBS_TOPIC, type AnalystMsg, type LeadMsg, type JobDone, type LeadArgs, type LedgerState, type AnalystState } from './team.js';
export { MandelbrotRow, type TileRow } from './tiles.js';
export { countPrimes } from './primes.js';
export { AGENTS_MODULE, collector, analyst, director, editor, checker, numberTheorist, densities, sievePrimes } from './agents.js';
