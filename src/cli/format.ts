/**
 * Output: plain tables for people (cli-table3, no colours, so output pipes and diffs cleanly),
 * one JSON document for scripts (--json).
 */
import Table from 'cli-table3';

export type Row = Record<string, unknown>;

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Truncate longer text to this many characters. */
  max?: number;
  align?: 'left' | 'right';
}

export interface Output {
  json: boolean;
  write(text: string): void;
}

export function createOutput(json: boolean, stream: NodeJS.WritableStream = process.stdout): Output {
  return { json, write: (text) => void stream.write(text.endsWith('\n') ? text : `${text}\n`) };
}

function cell(value: unknown, max?: number): string {
  let text: string;
  if (value === undefined || value === null || value === '') text = '-';
  else if (Array.isArray(value)) text = value.length ? value.join(', ') : '-';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  text = text.replace(/\s+/g, ' ');
  return max !== undefined && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({
    head: columns.map((c) => c.header),
    style: { head: [], border: [], compact: true },
    colAligns: columns.map((c) => c.align ?? 'left'),
  });
  for (const row of rows) table.push(columns.map((c) => cell(c.value(row), c.max)));
  return table.toString();
}

/** Key/value lines, aligned. */
export function renderFields(fields: readonly [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `  ${k.padEnd(width)}  ${v === undefined || v === null || v === '' ? '-' : String(v)}`).join('\n');
}

export function printJson(output: Output, value: unknown): void {
  output.write(JSON.stringify(value, null, 2));
}

/** A titled list: a heading line, then the table (or "none"). */
export function printList<T>(output: Output, heading: string, rows: readonly T[], columns: readonly Column<T>[], empty = '  (none)'): void {
  output.write(heading);
  output.write(rows.length ? renderTable(rows, columns) : empty);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
