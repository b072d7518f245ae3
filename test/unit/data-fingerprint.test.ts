import { pathToFileURL } from 'node:url';

import { DataUnusableError } from '../../src/core/errors';
import { fingerprintFile } from '../../src/data/fingerprint';
import { makeTempDir, writeText } from '../fixtures/data/arrow-fixtures';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

describe('fingerprintFile', () => {
  it('is the sha256 hex of the bytes (FIPS 180-2 test vector "abc"), for paths and file:// URIs', async () => {
    const path = writeText(tmp.path('abc.bin'), 'abc');
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await fingerprintFile(path)).toBe(expected);
    expect(await fingerprintFile(pathToFileURL(path).href)).toBe(expected);
  });

  it('hashes an empty file and a file larger than one read chunk', async () => {
    expect(await fingerprintFile(writeText(tmp.path('empty.bin'), ''))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    // sha256 of one million 'a' (FIPS 180-2 test vector), read in several 64 KiB chunks.
    expect(await fingerprintFile(writeText(tmp.path('million-a.bin'), 'a'.repeat(1_000_000)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('throws DataUnusableError naming a missing file', async () => {
    const path = tmp.path('missing.bin');
    const err: unknown = await fingerprintFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toBe(
      `cannot read dataset ${path}: cannot fingerprint file: ENOENT: no such file or directory, open '${path}'`,
    );
  });
});
