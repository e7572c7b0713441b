/** The demo's pool task: render one row of a Mandelbrot tile (real CPU work on piscina threads). */
import { defineTask } from '../../index.js';

export interface TileRow { row: number; width: number; height: number; maxIter: number }

export const MandelbrotRow = defineTask({
  name: 'MandelbrotRow',
  module: import.meta.url,
  run: ({ row, width, height, maxIter }: TileRow): number => {
    let total = 0;
    const ci = (row / height) * 2.4 - 1.2;
    for (let x = 0; x < width; x++) {
      const cr = (x / width) * 3.5 - 2.5;
      let zr = 0;
      let zi = 0;
      let i = 0;
      while (i < maxIter && zr * zr + zi * zi <= 4) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        i++;
      }
      total += i;
    }
    return total;
  },
});
