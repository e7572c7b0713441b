import { defineTask } from '../../index.js';
import { trapezoid as integrate, type TrapezoidTask } from '../baselines/piscina-tasks.js';

/** The trivial task: what a pool actor costs when the work itself is nothing. */
export const Noop = defineTask({ name: 'Noop', module: import.meta.url, run: (x: number) => x });

/** Savina's Trapezoid, the CPU-bound task: the same integrand as the raw piscina baseline. */
export const Trapezoid = defineTask({ name: 'Trapezoid', module: import.meta.url, run: (t: TrapezoidTask) => integrate(t) });
