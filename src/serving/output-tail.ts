/**
 * The last bytes a child wrote, kept within a fixed budget so a chatty server cannot grow the
 * daemon's memory. Used for the stderr tail in start errors.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  /** @param maxBytes bytes kept; default 16 KiB. */
  constructor(private readonly maxBytes = 16 * 1024) {}

  /** Appends a chunk, dropping the oldest bytes beyond the budget. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.maxBytes && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      const excess = this.bytes - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
      }
    }
  }

  /** The last `maxLines` lines (default 30), trimmed. */
  text(maxLines = 30): string {
    const lines = Buffer.concat(this.chunks).toString('utf8').split(/\r?\n/);
    return lines.slice(-maxLines - 1).join('\n').trim();
  }
}
