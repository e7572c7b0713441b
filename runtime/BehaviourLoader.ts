import { isBehaviour, type Behaviour } from '../actors/Behaviour.js';
import { BehaviourLoadError } from './errors.js';

const loaded = new Map<string, Promise<Behaviour>>();

/**
 * Load `module#export` once per thread. The error names the module and the export, and says which
 * of the two was wrong, because that is what the user has to fix.
 */
export function loadBehaviour(key: string): Promise<Behaviour> {
  let p = loaded.get(key);
  if (p === undefined) {
    p = importBehaviour(key);
    loaded.set(key, p);
    p.catch(() => loaded.delete(key)); // a later fix of the module on disk can be retried
  }
  return p;
}

async function importBehaviour(key: string): Promise<Behaviour> {
  const hash = key.lastIndexOf('#');
  const module = key.slice(0, hash);
  const name = key.slice(hash + 1);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(module)) as Record<string, unknown>;
  } catch (err) {
    throw new BehaviourLoadError(
      `behaviour module '${module}' failed to load (wanted export '${name}'): ${(err as Error)?.message ?? err}`,
      { module, export: name }, err,
    );
  }
  const b = mod[name];
  if (!isBehaviour(b)) {
    const found = Object.keys(mod).filter((k) => isBehaviour(mod[k]));
    throw new BehaviourLoadError(
      b === undefined
        ? `behaviour module '${module}' has no export '${name}'${found.length ? ` (it exports ${found.join(', ')})` : ''}`
        : `export '${name}' of module '${module}' is not a behaviour made by defineActor`,
      { module, export: name },
    );
  }
  return b;
}
