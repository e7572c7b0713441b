/** CPU work for the demo: count the primes in [from, from + count) by trial division. */
export function countPrimes(from: number, count: number): number {
  let primes = 0;
  for (let n = Math.max(2, from); n < from + count; n++) {
    if (n % 2 === 0) { if (n === 2) primes++; continue; }
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) { prime = false; break; }
    }
    if (prime) primes++;
  }
  return primes;
}
