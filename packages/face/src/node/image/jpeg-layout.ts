import { refuseEnrollment } from '@holocall/protocol';

/** A JPEG's marker segments (offsets into the file), read without decoding anything. */
export interface JpegLayout {
  /** SOS segments: how many times a decoder walks the image's blocks. */
  scans: number;
  /** The frame's SOF marker (0xc0 baseline, 0xc1 extended sequential, 0xc2 progressive, ...), 0 if none. */
  frame: number;
  /** Every segment up to EOI: its marker and offsets; an SOS segment includes its entropy-coded data. */
  segments: { marker: number; start: number; end: number }[];
}

/** Markers without a length: TEM and RST0..7 (SOI and EOI are handled where they occur). */
const standalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
/** SOF markers (0xc0..0xcf less DHT 0xc4, JPG 0xc8 and DAC 0xcc). */
const isFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);

/**
 * Walks a JPEG's segments from SOI to EOI (or the end of the file), stepping over each scan's
 * entropy-coded data: one pass over the bytes, no allocation per byte. What is not a JPEG
 * segment is photo_undecodable.
 */
export function readJpegLayout(bytes: Uint8Array): JpegLayout {
  const n = bytes.byteLength;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8)
    throw refuseEnrollment('photo_undecodable', 'JPEG without SOI', { type: 'image/jpeg' });
  const segments: JpegLayout['segments'] = [{ marker: 0xd8, start: 0, end: 2 }];
  let scans = 0;
  let frame = 0;
  let offset = 2;
  while (offset + 1 < n) {
    if (bytes[offset] !== 0xff)
      throw refuseEnrollment('photo_undecodable', `JPEG: no marker at byte ${offset}`, { type: 'image/jpeg' });
    let at = offset + 1;
    while (at < n && bytes[at] === 0xff) at++; // fill bytes
    if (at >= n) break;
    const marker = bytes[at]!;
    if (marker === 0xd9) {
      segments.push({ marker, start: offset, end: at + 1 });
      break;
    }
    if (standalone(marker)) {
      segments.push({ marker, start: offset, end: at + 1 });
      offset = at + 1;
      continue;
    }
    if (at + 2 >= n) break;
    let end = at + 1 + ((bytes[at + 1]! << 8) | bytes[at + 2]!);
    if (end > n) end = n;
    if (isFrame(marker) && frame === 0) frame = marker;
    if (marker === 0xda) {
      scans++;
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xff00 nor RSTn.
      while (end + 1 < n && !(bytes[end] === 0xff && bytes[end + 1] !== 0 && !standalone(bytes[end + 1]!))) end++;
      if (end + 1 >= n) end = n;
    }
    segments.push({ marker, start: offset, end });
    offset = end;
  }
  return { scans, frame, segments };
}
