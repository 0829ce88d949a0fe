/**
 * Walks the frames of a zstd or LZ4 input: both formats put frames back to back, may interleave
 * skippable frames (magic 0x184D2A50–5F, a 32-bit little-endian length, data), and are read with
 * little-endian integers. `frame` reads one frame of the format from just after its magic number
 * and returns where it ends.
 */
export const forEachFrame = (
  src: Uint8Array,
  format: { readonly name: string; readonly magic: number },
  frame: (at: number, reader: FrameReader) => number,
): void => {
  const reader = frameReader(src, format.name);
  let at = 0;
  while (at < src.length) {
    reader.need(at, 4);
    const magic = reader.view.getUint32(at, true);
    at += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      reader.need(at, 4);
      at += 4 + reader.view.getUint32(at, true);
    } else if (magic === format.magic) at = frame(at, reader);
    else throw new RangeError(`not a ${format.name} frame`);
  }
};

export interface FrameReader {
  readonly view: DataView;
  /** Throws RangeError naming the format unless `n` bytes are there from `at`. */
  need: (at: number, n: number) => void;
}

const frameReader = (src: Uint8Array, name: string): FrameReader => ({
  view: new DataView(src.buffer, src.byteOffset, src.byteLength),
  need: (at, n) => {
    if (at + n > src.length) throw new RangeError(`truncated ${name} frame`);
  },
});
