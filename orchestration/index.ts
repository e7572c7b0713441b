/** The orchestration layer's public surface. Internal helpers (option parsing, EventHub) stay private. */
export * from './errors.js';
export * from './Message.js';
export * from './ContextSanitizer.js';
export * from './Permissions.js';
export type { KeyValueStore } from './KeyValueStore.js';
export { InMemoryKeyValueStore } from './InMemoryKeyValueStore.js';
export * from './ThreadRegistry.js';
export * from './HandoffManager.js';
export { callAgent, type AgentInvoker, type InvokeContext, type CallOutcome, type CallOptions } from './AgentInvoker.js';
export * from './Workflow.js';
export * from './WorkflowRunner.js';
export * from './CoordinationPatterns.js';
export * from './Delegation.js';
export type * from './AgentModel.js';
export * from './LocalModel.js';
export * from './OpenAICompatibleModel.js';
export * from './ModelInvoker.js';
