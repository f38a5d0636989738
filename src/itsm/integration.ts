import type { Core } from '../core.js';
import type { Integration } from '../integration.js';

export function itsmIntegration(core: Core): Integration {
  void core;
  return { name: 'itsm' };
}
