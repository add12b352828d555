/**
 * Ctrl-C and SIGTERM during a long command (export, import): the first signal aborts the
 * command's AbortSignal, so the library stops at a safe point and cleans up; the command then
 * ends with the conventional exit code 128 + signal number (130, 143). A second signal stops
 * the process at once.
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface Interruption {
  signal: (typeof SIGNALS)[number];
  /** 128 + the signal number: 130 for SIGINT, 143 for SIGTERM. */
  exitCode: number;
  /** What was running ("export", "import"). */
  what: string;
  /** True when the command had finished anyway (the signal came too late to stop it). */
  finished: boolean;
  /** What is left behind, for the one-line message ("the output directory holds no valid export"). */
  leftBehind: string;
}

/**
 * Runs `run` with a signal that SIGINT/SIGTERM abort; `record` receives the interruption (the
 * caller turns it into the exit code). The handlers are removed when `run` settles.
 */
export async function runInterruptible<T>(
  what: string,
  leftBehind: string,
  run: (signal: AbortSignal) => Promise<T>,
  record: (interruption: Interruption) => void,
  note: (text: string) => void,
): Promise<T> {
  const controller = new AbortController();
  let interruption: Interruption | undefined;
  const onSignal = (signal: Interruption['signal']): void => {
    if (interruption) process.exit(interruption.exitCode);
    interruption = { signal, exitCode: 128 + constants.signals[signal], what, finished: false, leftBehind };
    record(interruption);
    note(`${signal}: stopping the ${what} (again to stop at once)…`);
    controller.abort(new Error(`The ${what} was interrupted by ${signal}`));
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    const result = await run(controller.signal);
    if (interruption) interruption.finished = true;
    return result;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

/**
 * The option that hands the signal to exportExecutionData/importExecutionData. Spread into their
 * options: the export branch adds `signal` to both option types; before it is merged the library
 * ignores the property, and the command still ends with 130/143 once the library returns.
 */
export function abortOption(signal: AbortSignal): { signal: AbortSignal } {
  return { signal };
}

/** The one line for an interrupted command. */
export function describeInterruption(interruption: Interruption): string {
  return interruption.finished
    ? `Interrupted by ${interruption.signal} after the ${interruption.what} had finished (its result is above).`
    : `Interrupted by ${interruption.signal}: the ${interruption.what} stopped before finishing; ${interruption.leftBehind}.`;
}
