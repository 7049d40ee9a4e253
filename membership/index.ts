// The membership component's public surface: `etcd-edge promote`, `demote` and `member add|remove|promote|list`,
// and the components behind the first two.
export { promoteMain, demoteMain } from './cli.js';
export { memberMain } from './member-cli.js';
export { createPromotion } from './promote.js';
export type { Promotion, PromotionDeps } from './promote.js';
export { createDemotion } from './demote.js';
export type { Demotion, DemotionDeps } from './demote.js';
export { parsePromoteFlags, parseDemoteFlags } from './config.js';
export type { PromoteConfig, DemoteConfig } from './config.js';
export { formatMemberAdded, formatMemberList, formatMemberRemoved, initialClusterOf } from './format.js';
