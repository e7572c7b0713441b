import type { HistoryDraft } from './HistoryRecord.js';

/** Decides whether a message is written to the history. Runs once per message, so keep it cheap. */
export type HistoryPolicy = (message: Pick<HistoryDraft, 'sender' | 'recipient' | 'type'>) => boolean;

/** Serializable form, for configuration files. */
export interface HistoryPolicyConfig {
  record: 'all' | 'none';
  /** With `record: 'all'`: skip these. With `record: 'none'`: keep only these. Matched as sender or recipient. */
  actors?: readonly string[];
  types?: readonly string[];
}

const all: HistoryPolicy = () => true;
const none: HistoryPolicy = () => false;

function involving(actors: readonly string[]): HistoryPolicy {
  const set = new Set(actors);
  return (m) => set.has(m.recipient) || (m.sender !== undefined && set.has(m.sender));
}

function ofType(types: readonly string[]): HistoryPolicy {
  const set = new Set(types);
  return (m) => set.has(m.type);
}

function anyOf(...policies: HistoryPolicy[]): HistoryPolicy {
  return (m) => policies.some((p) => p(m));
}

function allOf(...policies: HistoryPolicy[]): HistoryPolicy {
  return (m) => policies.every((p) => p(m));
}

function not(policy: HistoryPolicy): HistoryPolicy {
  return (m) => !policy(m);
}

function fromConfig(config: HistoryPolicyConfig): HistoryPolicy {
  const selectors: HistoryPolicy[] = [];
  if (config.actors && config.actors.length > 0) selectors.push(involving(config.actors));
  if (config.types && config.types.length > 0) selectors.push(ofType(config.types));
  if (selectors.length === 0) return config.record === 'all' ? all : none;
  const selected = selectors.length === 1 ? selectors[0]! : anyOf(...selectors);
  return config.record === 'all' ? not(selected) : selected;
}

/**
 * Predicate builders, e.g. `HistoryPolicy.allOf(HistoryPolicy.actors('billing'), HistoryPolicy.not(HistoryPolicy.types('tick')))`.
 */
export const HistoryPolicy = {
  all: (): HistoryPolicy => all,
  none: (): HistoryPolicy => none,
  /** Messages sent or received by any of these actors. */
  actors: (...actors: string[]): HistoryPolicy => involving(actors),
  types: (...types: string[]): HistoryPolicy => ofType(types),
  anyOf,
  allOf,
  not,
  fromConfig,
};
