// comlink's package.json points Node at its UMD build; Troupe imports the ESM files directly and
// borrows the published types for them.
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(port: unknown): Endpoint;
}
