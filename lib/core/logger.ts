/**
 * The one structured logger the core takes as a parameter (it never creates its own): JSON lines in
 * Lambdas and the CLI, silent in tests.
 */

/** Fields logged with a message (persistent keys such as the execution or thing name). */
export type LogFields = Record<string, unknown>;

/** What the core logs through. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child?(fields: LogFields): Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Options of {@link jsonLinesLogger}. */
export interface JsonLinesLoggerOptions {
  /** Where each line goes (default: stdout). */
  write?: (line: string) => void;
  /** Fields added to every line. */
  fields?: LogFields;
  /** The clock for the `time` field (injectable for tests). */
  now?: () => Date;
}

/** A logger that writes one JSON object per line: `{ ...fields, time, level, message }`. */
export function jsonLinesLogger(options: JsonLinesLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const log = (level: string) => (message: string, fields?: LogFields) =>
    // Fields cannot overwrite the three fixed keys.
    write(JSON.stringify({ ...base, ...fields, time: now().toISOString(), level, message }));
  return {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => jsonLinesLogger({ write, now, fields: { ...base, ...fields } }),
  };
}
