/**
 * What every command group gets from the program (register<Group>Commands(program, deps)): the
 * process's streams and environment, the store connection (created on first use), output for
 * people or --json, and the wrapper that tells error messages which option fed which input.
 */
import { Option } from 'commander';
import { connect as connectFromEnv, type CliConnection } from './connect.js';
import type { ErrorContext, ExitCode } from './errors.js';
import { createOutput, type Output } from './format.js';
import { runInterruptible, type Interruption } from './interrupt.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** Input field (as the library or service names it in error details.field) -> the option or argument that supplied it. */
export type InputOptions = Readonly<Record<string, string>>;

/** How a finished command ends when it must not report success (set by the command, read by runCli). */
export interface CommandOutcome {
  exitCode?: ExitCode;
  /** One line for stderr, printed as `exstate: <message>`. */
  message?: string;
  interruption?: Interruption;
}

export interface CliDeps {
  io: CliIo;
  /** The store, created on first use: commands that fail argument parsing never connect. */
  connect(): CliConnection;
  /** Tables for people, or one JSON document with --json. */
  output(json: boolean | undefined): Output;
  /** A line for people on stderr (progress, notices); never part of the --json document. */
  note(text: string): void;
  /** --json, the same on every command. */
  jsonOption(): Option;
  /**
   * Wraps a command action. `inputs` names the option or argument behind each input field the
   * action passes on, so an error whose details.field names that input is reported with the option.
   */
  action<A extends unknown[]>(inputs: InputOptions, run: (...args: A) => Promise<void>): (...args: A) => Promise<void>;
  /** Runs `run` with an AbortSignal that SIGINT/SIGTERM abort (export, import); the command then exits 130/143. */
  interruptible<T>(what: string, leftBehind: string, run: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Ends the command with `exitCode` and one line, without an exception (e.g. a scheduler run with errors). */
  finish(exitCode: ExitCode, message?: string): void;
  /** Where the CLI talks to and which option fed which input (read by describeError). */
  readonly context: ErrorContext;
  readonly outcome: CommandOutcome;
}

export interface CliDepsOptions {
  /** How to connect (default: from the environment, see connect.ts); tests pass their own. */
  connect?: (env: Record<string, string | undefined>) => CliConnection;
}

export function createCliDeps(io: CliIo, options: CliDepsOptions = {}): CliDeps {
  const context: ErrorContext = {};
  const outcome: CommandOutcome = {};
  const connectWith = options.connect ?? connectFromEnv;
  let connection: CliConnection | undefined;
  const note = (text: string): void => void io.stderr.write(`${text}\n`);
  return {
    io,
    context,
    outcome,
    connect() {
      if (!connection) {
        connection = connectWith(io.env);
        Object.assign(context, { endpoint: connection.endpoint, tableName: connection.tableName, usedLocalDefaults: connection.usedLocalDefaults });
      }
      return connection;
    },
    output: (json) => createOutput(json === true, io.stdout),
    note,
    jsonOption: () => new Option('--json', 'print one JSON document instead of tables (for scripts)'),
    action(inputs, run) {
      return async (...args) => {
        context.inputs = inputs;
        await run(...args);
      };
    },
    interruptible: (what, leftBehind, run) => runInterruptible(what, leftBehind, run, (interruption) => void (outcome.interruption = interruption), note),
    finish(exitCode, message) {
      outcome.exitCode = exitCode;
      outcome.message = message;
    },
  };
}
