import { promises as fs } from 'node:fs';

import { datasetUnusable } from './dataset-unusable';

/** A read-only handle on a dataset file and an idempotent `close`. */
export interface OpenFile {
  handle: fs.FileHandle;
  close: () => Promise<void>;
}

/**
 * Opens a dataset file for reading.
 * @throws DataUnusableError naming the file when it cannot be opened
 */
export async function openDataFile(realPath: string): Promise<OpenFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(realPath, 'r');
  } catch (err) {
    throw datasetUnusable(realPath, 'cannot open file', err);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };
  return { handle, close };
}

/**
 * Reads up to `length` bytes at `position`; fewer at the end of the file.
 * @throws DataUnusableError naming the file on a read error
 */
export async function readAt(
  handle: fs.FileHandle,
  file: string,
  position: number,
  length: number,
): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  try {
    const { bytesRead } = await handle.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    throw datasetUnusable(file, 'cannot read file', err);
  }
}
