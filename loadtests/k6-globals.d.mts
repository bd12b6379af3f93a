/**
 * k6 provides a console (log, info, warn, error, debug); @types/k6 does not declare it.
 * A .d.mts so the Node project (which includes loadtests/**\/*.ts) never sees it.
 */
export {};
declare global {
  const console: {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    debug(...args: unknown[]): void;
  };
}
