/**
 * Record-batch bodies of an Arrow IPC file read into one reused buffer.
 *
 * Why: Arrow JS reads each message body into a fresh, zero-filled ArrayBuffer (about 8 MB a
 * batch on the benchmark's 21 columns). That external memory made V8 run a full mark-compact
 * every few batches: on ten million rows about 1.5 s of CPU per worker went to those collections
 * and to zero-filling, for buffers that live exactly one batch. Reading every body into the same
 * buffer removes both.
 *
 * Safe because:
 * - only bodies read by `readMessageBody` after `open()` are pooled, and in the file format
 *   `open()` reads every dictionary (they are all listed in the footer), so dictionaries keep
 *   their own buffers;
 * - a batch's vectors are views into its body, and a `DatasetReader` hands out one batch at a
 *   time: a consumer must not keep a batch's arrays past the next batch (see `DatasetReader`).
 *
 * This reaches into Arrow JS internals (the file reader's message reader and its file), which
 * the pinned apache-arrow version has; when they are not there, nothing is pooled and reading
 * works as before. A test checks that pooling is on with the installed version.
 */

interface ByteSource {
  read(nBytes?: number): Promise<Uint8Array | null>;
  position: number;
  size: number;
  _handle: {
    read(
      buffer: Uint8Array,
      offset: number,
      length: number,
      position: number,
    ): Promise<{ bytesRead: number }>;
  } | null;
}

interface MessageReaderLike {
  source: ByteSource;
  readMessageBody(bodyLength: number): Promise<Uint8Array>;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** The file reader's message reader, when Arrow JS's internals have the expected shape. */
function messageReaderOf(reader: unknown): MessageReaderLike | undefined {
  if (!isRecord(reader)) return undefined;
  const isFile = reader.isFile;
  if (typeof isFile !== 'function' || (isFile as () => unknown).call(reader) !== true) return undefined;
  const impl = reader._impl;
  if (!isRecord(impl)) return undefined;
  const messages = impl._reader;
  if (!isRecord(messages) || typeof messages.readMessageBody !== 'function') return undefined;
  const source = messages.source;
  if (
    !isRecord(source) ||
    typeof source.read !== 'function' ||
    typeof source.position !== 'number' ||
    typeof source.size !== 'number' ||
    !isRecord(source._handle) ||
    typeof source._handle.read !== 'function'
  )
    return undefined;
  return messages as unknown as MessageReaderLike;
}

/**
 * From now on, reads the record-batch bodies of an opened Arrow IPC file reader into one buffer
 * reused from batch to batch (see the module comment).
 * @param reader an opened `AsyncRecordBatchFileReader`
 * @returns whether pooling is on (false for a stream reader or unexpected internals)
 */
export function poolRecordBatchBodies(reader: unknown): boolean {
  const messages = messageReaderOf(reader);
  if (messages === undefined) return false;
  const source = messages.source;
  const readBody = messages.readMessageBody.bind(messages);
  const readBytes = source.read.bind(source);
  let pool = new Uint8Array(0);
  let pooled = false;

  // As Arrow JS's own read (from `position`, at most `nBytes`, up to the end of the file), into the pool.
  const readIntoPool = async (nBytes: number): Promise<Uint8Array | null> => {
    const file = source._handle;
    const start = source.position;
    if (file === null || start >= source.size) return null;
    const end = Math.min(source.size, start + nBytes);
    const length = end - start;
    if (pool.length < length) pool = new Uint8Array(Math.max(length, 2 * pool.length));
    const buffer = pool.subarray(0, length);
    source.position = end;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await file.read(buffer, done, length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    // A short read (a file cut while reading) comes back short: Arrow JS reports the body length.
    return done === length ? buffer : buffer.subarray(0, done);
  };

  source.read = (nBytes?: number): Promise<Uint8Array | null> =>
    pooled && typeof nBytes === 'number' ? readIntoPool(nBytes) : readBytes(nBytes);
  messages.readMessageBody = async (bodyLength: number): Promise<Uint8Array> => {
    pooled = true;
    try {
      return await readBody(bodyLength);
    } finally {
      pooled = false;
    }
  };
  return true;
}
