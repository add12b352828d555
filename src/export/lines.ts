/**
 * Streaming line I/O with SHA-256 on the exact bytes: files are never read or built in memory
 * as a whole, so export, validation, import and the Postgres load stay flat as the table grows.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const FLUSH_BYTES = 1 << 20;

/** Appends lines to a file, hashing what it writes; call close() to flush. */
export class LineWriter {
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly hash: Hash = createHash('sha256');
  lines = 0;
  bytes = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  static async create(path: string): Promise<LineWriter> {
    return new LineWriter(await open(path, 'w'), path);
  }

  async write(line: string): Promise<void> {
    this.buffer.push(line, '\n');
    this.bufferedChars += line.length + 1;
    this.lines += 1;
    if (this.bufferedChars >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.bufferedChars = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    await this.handle.write(chunk);
  }

  /** Flushes, closes and returns the SHA-256 (hex) of everything written. */
  async close(): Promise<{ sha256: string; lines: number; bytes: number }> {
    await this.flush();
    await this.handle.close();
    return { sha256: this.hash.digest('hex'), lines: this.lines, bytes: this.bytes };
  }

  /** Closes without caring about the result (error paths). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

export interface LineReadSummary {
  sha256: string;
  bytes: number;
  /** Number of newline-terminated lines plus a final unterminated one, if any. */
  lines: number;
  /** True when the file does not end with a newline (a truncated write, usually). */
  unterminatedLastLine: boolean;
}

/**
 * Reads a file line by line (1-based line numbers), hashing the raw bytes as they stream by.
 * The summary is available once iteration has finished.
 */
export async function* readLines(path: string, summary?: Partial<LineReadSummary>): AsyncGenerator<{ line: string; lineNumber: number }> {
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    pending += decoder.write(buffer);
    let newline = pending.indexOf('\n');
    let start = 0;
    while (newline !== -1) {
      lineNumber += 1;
      yield { line: pending.slice(start, newline), lineNumber };
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  const unterminated = pending.length > 0;
  if (unterminated) {
    lineNumber += 1;
    yield { line: pending, lineNumber };
  }
  if (summary) {
    summary.sha256 = hash.digest('hex');
    summary.bytes = bytes;
    summary.lines = lineNumber;
    summary.unterminatedLastLine = unterminated;
  }
}

/** SHA-256 of a whole file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
