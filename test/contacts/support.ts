import { crc32, deflateSync } from "node:zlib";

/** A real PNG: a 96×96 square of one colour, as a phone would pick for its picture (Baileys turns it into a JPEG). */
export function image(r: number, g: number, b: number): Buffer {
  return png(96, () => [r, g, b]);
}

/** A PNG of random pixels: it stays large as a JPEG too. */
export function noise(size: number): Buffer {
  return png(size, () => [Math.random() * 256, Math.random() * 256, Math.random() * 256].map(Math.floor));
}

function png(size: number, pixel: () => number[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const frame = Buffer.alloc(8 + data.length + 4);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), 8 + data.length);
    return frame;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = () => Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, pixel).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}
