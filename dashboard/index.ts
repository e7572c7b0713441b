export { startDashboard, type DashboardHandle } from './server.js';
export { DashboardOptionsSchema, type DashboardOptions } from './DashboardOptions.js';
export { LiveState, type Sample, type Status, type Totals, type DeadLetterView } from './LiveState.js';
export { buildTree, deepestMailboxes, type ActorView, type TreeNode, type MailboxDepth, type WorkerView } from './status.js';
