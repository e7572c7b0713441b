/**
 * The orchestration layer's public surface. Internal helpers stay private: option parsing,
 * EventHub, and the orchestrator's own actors and plumbing (AgentClient, CancellationRelay,
 * OrchestratorInbox, InFlightRequests, the stream frames).
 */
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
export * from './AgentDefinition.js';
export {
  Agent,
  agentErrorFromReply,
  type AgentActorArgs,
  type AgentState,
  type AgentDescription,
  type AgentControlMessage,
  type AgentHandler,
  type AgentHandlerContext,
  type AgentTool,
  type AgentErrorContent,
} from './AgentBehaviour.js';
export type { AgentStream } from './AgentStream.js';
export { LmdbKeyValueStore } from './LmdbKeyValueStore.js';
export * from './AgentTeam.js';
export * from './StreamRouter.js';
export * from './Orchestrator.js';
export { A2AAgentClient } from './A2AAgentClient.js';
export { serveAgentOverA2A, type A2AServerOptions, type A2AServerHandle } from './A2AServer.js';
