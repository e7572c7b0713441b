/** Piscina task module: the default export is the trivial task, `trapezoid` the CPU-bound one. */

export default function noop(x: number): number {
  return x;
}

export interface TrapezoidTask {
  a: number;
  b: number;
  steps: number;
}

// Savina's Trapezoid integrand: transcendental calls so the work is the FPU's, not the allocator's.
function fx(x: number): number {
  const a = Math.sin(x * x * x - 1);
  const b = x + 1;
  const c = a / b;
  const d = Math.sqrt(1 + Math.exp(Math.sqrt(2 * x)));
  return c * d;
}

export function trapezoid({ a, b, steps }: TrapezoidTask): number {
  const h = (b - a) / steps;
  let sum = (fx(a) + fx(b)) / 2;
  for (let i = 1; i < steps; i++) sum += fx(a + i * h);
  return sum * h;
}
