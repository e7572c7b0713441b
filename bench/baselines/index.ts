/**
 * Raw-primitive measurements that suites run beside their Troupe figures, in the same process and
 * the same run, so a ratio compares like with like on whatever machine it runs on.
 */
export { plainQueueLoop, directCallLoop, plainActorAlloc, type QueueLoopOptions } from './queue.js';
export {
  rawPostMessagePerMessage,
  rawPostMessageBatched,
  rawPostMessageRoundTrip,
  type PostMessageOptions,
  type RoundTripOptions,
} from './postmessage.js';
export { runPipe, type PipeOptions, type PipeEncoding, type PipePayload } from './pipe.js';
export { rawPiscina, rawPiscinaCpu, type RawPiscinaOptions, type RawPiscinaCpuOptions, type CpuThroughput } from './piscina.js';
export {
  erlangBaseline,
  erlangAvailable,
  savinaErlangParams,
  type ErlangBenchName,
  type ErlangParams,
  type ErlangResult,
} from './erlang.js';
export { createRing, RingReader, RingWriter, type RingOptions } from './ring.js';
export { median, type Throughput, type Latency } from './stats.js';
