/**
 * The bridge's error base: every error that crosses a boundary carries a stable `code`
 * so that callers, logs and HTTP answers can act on it without parsing messages.
 */
export class BridgeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
