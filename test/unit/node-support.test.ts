import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * The Node.js versions package.json's engines promises are ones every locked dependency supports
 * (npm warns EBADENGINE otherwise), and the image runs one of them.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
const supported = pkg.engines.node;

describe('supported Node.js versions', () => {
  it('are a valid range whose oldest version is a release line still supported upstream', () => {
    expect(semver.validRange(supported)).not.toBeNull();
    // Node.js 20 left maintenance on 2026-04-30.
    expect(semver.minVersion(supported)!.major).toBeGreaterThanOrEqual(22);
  });

  it('are all supported by every locked package', () => {
    const refused = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, meta]) => {
        const wanted = !meta.engines || Array.isArray(meta.engines) ? undefined : meta.engines.node;
        return wanted === undefined || semver.subset(supported, wanted) ? [] : [`${path.replace(/^.*node_modules\//, '')}: node ${wanted}`];
      });
    expect(refused).toEqual([]);
  });

  it('include the line the image runs', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(read('Dockerfile'));
    expect(image, 'Dockerfile: ARG NODE_IMAGE=node:<major>-…').not.toBeNull();
    for (const from of read('Dockerfile').match(/^FROM .*/gm) ?? []) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    expect(semver.satisfies(`${image![1]}.0.0`, supported)).toBe(true);
  });

  it('are typed for the oldest of them, so that a newer API fails the type check', () => {
    expect(semver.major(semver.minVersion(pkg.devDependencies['@types/node']!)!)).toBe(semver.minVersion(supported)!.major);
  });
});
