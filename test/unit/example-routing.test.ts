import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRoutingFile } from '../../src/config/routing-file.js';

describe('examples/routing.yaml', () => {
  it('is a valid routing file with every section', () => {
    const routing = loadRoutingFile(readFileSync('examples/routing.yaml', 'utf8'), 'examples/routing.yaml');
    expect(routing.slack).toBeDefined();
    expect(routing.alerts).toBeDefined();
    expect(routing.itsm).toBeDefined();
  });
});
