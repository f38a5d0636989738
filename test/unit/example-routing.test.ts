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

describe('examples/demo.yaml', () => {
  it('routes an Alertmanager source and a Jira connector, opens an alert case at once, and writes to no outside host', () => {
    const text = readFileSync('examples/demo.yaml', 'utf8');
    const routing = loadRoutingFile(text, 'examples/demo.yaml');
    expect(Object.keys(routing.alerts!.sources)).toEqual(['alertmanager']);
    expect(routing.alerts!.defaults.holdDownSeconds).toBe(0);
    expect(Object.values(routing.itsm!.connectors).map((c) => ('outbound' in c ? c.outbound : undefined))).toEqual([undefined]);
    expect(routing.slack).toBeUndefined();
    expect(text).not.toMatch(/https?:\/\//);
  });
});
