import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The project root, found by walking up to package.json: this file runs from dist/bench, and paths
 * the user gives (--out) and sources that tsc does not copy (bench/erlang) are relative to the root.
 */
export function projectRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: no package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function fromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(projectRoot(), path);
}
