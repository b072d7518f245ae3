import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import { datasetUnusable } from './readers/dataset-unusable';
import { toLocalPath } from './readers/resolve-data-path';

/**
 * The sha256 of a file's bytes, hex-encoded, read as a stream (constant memory). Used for
 * lineage: a registered model records the fingerprints of the data it was trained and
 * evaluated on.
 *
 * @param path - a local path or `file://` URI
 * @throws DataUnusableError naming the file when it cannot be read
 */
export async function fingerprintFile(path: string): Promise<string> {
  const local = toLocalPath(path);
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(local)) hash.update(chunk as Buffer);
  } catch (err) {
    throw datasetUnusable(local, 'cannot fingerprint file', err);
  }
  return hash.digest('hex');
}
