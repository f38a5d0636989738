import type { Core } from '../core.js';
import type { Integration } from '../integration.js';

export function alertsIntegration(core: Core): Integration {
  void core;
  return { name: 'alerts' };
}
