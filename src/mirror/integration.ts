import type { Core } from '../core.js';
import type { Integration } from '../integration.js';
import type { ReplySink } from './sink.js';

export function mirrorIntegration(core: Core, sinks: ReplySink[]): Integration {
  void core;
  void sinks;
  return { name: 'mirror' };
}
