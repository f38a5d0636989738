import { BridgeError } from '../errors.js';

/** A configuration that cannot start the bridge; `problems` has one line per variable or field. */
export class ConfigError extends BridgeError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('config_invalid', `invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}
