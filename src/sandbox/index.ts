// The expereoOne API V2 sandbox: run the bridge, demos and tests with no credentials.
export { buildSandbox } from './app.js';
export { DEMO_CLIENTS } from './options.js';
export type { SandboxClient, SandboxLimit, SandboxOptions } from './options.js';
export { LIMITER_KINDS, limitWindow } from './rate-limiter.js';
export type { LimiterKind } from './rate-limiter.js';
export { startSandbox } from './start.js';
export type { RunningSandbox } from './start.js';
