/**
 * Snappy block decoding into a buffer the caller owns and reuses.
 *
 * Written here rather than taken from a library because none of the maintained JavaScript
 * decoders does both things a Parquet read needs: hysnappy (wasm) returns a fresh array per page
 * and copies bytes one at a time inside wasm, hyparquet's own decoder takes an output buffer but
 * also copies byte by byte, and the native `snappy` package costs more per call than it saves.
 * A fresh buffer per page was most of the numeric columns' garbage (V8 ran a full mark-compact
 * every few dozen pages for the external memory), and on incompressible pages (random doubles)
 * a snappy block is almost all long literals, which `set` copies natively.
 *
 * The format (github.com/google/snappy, format_description.txt): a varint of the uncompressed
 * length, then elements, each a literal (tag 00) or a copy of earlier output (tags 01, 10, 11
 * with 1-, 2- and 4-byte offsets). Every length and offset is checked: corrupt input throws,
 * it never reads or writes out of bounds.
 */

/** Shorter runs are copied in a loop: a `set` or `copyWithin` call costs more below this. */
const NATIVE_COPY = 24;

/** The uncompressed length a block declares in its preamble. */
export function snappyDecodedLength(input: Uint8Array): number {
  let length = 0;
  for (let pos = 0, shift = 0; pos < input.length && shift <= 28; pos++, shift += 7) {
    const b = input[pos] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return length;
  }
  throw new Error('snappy: invalid length preamble');
}

/**
 * Decodes the snappy block `input` into `output`, whose length must be the block's declared
 * uncompressed length.
 * @throws Error on corrupt input or a length mismatch
 */
export function snappyDecode(input: Uint8Array, output: Uint8Array): void {
  const inLength = input.length;
  const outLength = output.length;
  let pos = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= inLength || shift > 28) throw new Error('snappy: invalid length preamble');
    const b = input[pos++] as number;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared !== outLength)
    throw new Error(`snappy: the block holds ${declared} bytes, the page header says ${outLength}`);
  let out = 0;
  while (pos < inLength) {
    const tag = input[pos++] as number;
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        const bytes = length - 60;
        if (pos + bytes > inLength) throw new Error('snappy: truncated literal length');
        length = 0;
        for (let k = 0; k < bytes; k++) length += (input[pos + k] as number) * 2 ** (8 * k);
        length += 1;
        pos += bytes;
      }
      if (pos + length > inLength) throw new Error('snappy: a literal runs past the end of the block');
      if (out + length > outLength) throw new Error('snappy: a literal runs past the declared length');
      if (length >= NATIVE_COPY) output.set(input.subarray(pos, pos + length), out);
      else for (let k = 0; k < length; k++) output[out + k] = input[pos + k] as number;
      pos += length;
      out += length;
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= inLength) throw new Error('snappy: truncated copy');
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | (input[pos] as number);
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > inLength) throw new Error('snappy: truncated copy');
      length = (tag >>> 2) + 1;
      offset = (input[pos] as number) | ((input[pos + 1] as number) << 8);
      pos += 2;
    } else {
      if (pos + 4 > inLength) throw new Error('snappy: truncated copy');
      length = (tag >>> 2) + 1;
      offset =
        ((input[pos] as number) |
          ((input[pos + 1] as number) << 8) |
          ((input[pos + 2] as number) << 16) |
          ((input[pos + 3] as number) << 24)) >>>
        0;
      pos += 4;
    }
    if (offset === 0 || offset > out) throw new Error(`snappy: copy offset ${offset} at output byte ${out}`);
    if (out + length > outLength) throw new Error('snappy: a copy runs past the declared length');
    const from = out - offset;
    // An offset shorter than the length repeats the last `offset` bytes: byte by byte.
    if (offset >= length && length >= NATIVE_COPY) output.copyWithin(out, from, from + length);
    else for (let k = 0; k < length; k++) output[out + k] = output[from + k] as number;
    out += length;
  }
  if (out !== outLength) throw new Error(`snappy: the block ends after ${out} of ${outLength} bytes`);
}
