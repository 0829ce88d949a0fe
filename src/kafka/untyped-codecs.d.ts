// Pure-JavaScript codecs without their own type declarations: the parts gouvernail calls.
declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
}
declare module 'lz4js' {
  /** Decodes one block of `src[sIndex, sIndex + sLength)` into `dst` from `dIndex`; returns the new end. */
  export function decompressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    dIndex: number,
  ): number;
  export function compress(src: Uint8Array): Uint8Array | number[];
}
