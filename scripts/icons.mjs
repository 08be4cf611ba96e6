// Regenerates the icon set from build/icons/stagediff.svg (the source):
//   build/icons/NxN.png  for N in 16..1024 (Linux: electron-builder takes the folder),
//   build/icons/icon.ico (Windows: BMP images up to 64 px, PNG at 128 and 256, as Windows expects),
//   build/icons/icon.icns (macOS: PNG images, ic07..ic14 and icp4..icp6).
// The outputs are committed, so packaging never needs this script. Rasterising needs rsvg-convert
// (Debian: apt-get install librsvg2-bin); the .ico and .icns containers are written here, offline.
//   node scripts/icons.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'build', 'icons');
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

function rasterise(size) {
  const out = join(dir, `${size}x${size}.png`);
  execFileSync('rsvg-convert', ['-w', String(size), '-h', String(size), '-f', 'png', '-o', out, join(dir, 'stagediff.svg')]);
  return readFileSync(out);
}

/** Width, height, and RGBA pixels of an 8-bit RGBA non-interlaced PNG (what rsvg-convert writes). */
export function decodePng(png) {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('expected 8-bit RGBA, not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? px[y * stride + x - 4] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? px[(y - 1) * stride + x - 4] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, px };
}

/** A 32-bit BGRA DIB with its AND mask, as an .ico entry holds it. */
function dib(png) {
  const { width, height, px } = decodePng(png);
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(width, 4);
  header.writeInt32LE(height * 2, 8);
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const xor = Buffer.alloc(width * height * 4);
  const maskStride = Math.ceil(width / 32) * 4;
  const mask = Buffer.alloc(maskStride * height);
  for (let y = 0; y < height; y++) {
    const row = height - 1 - y; // bottom-up
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = (row * width + x) * 4;
      xor[d] = px[s + 2];
      xor[d + 1] = px[s + 1];
      xor[d + 2] = px[s];
      xor[d + 3] = px[s + 3];
      if (px[s + 3] === 0) mask[row * maskStride + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  return Buffer.concat([header, xor, mask]);
}

export function buildIco(pngs) {
  const entries = [...pngs.entries()].filter(([s]) => s <= 256).sort((a, b) => a[0] - b[0]);
  const images = entries.map(([s, png]) => (s >= 128 ? png : dib(png)));
  const head = Buffer.alloc(6 + 16 * entries.length);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(entries.length, 4);
  let offset = head.length;
  entries.forEach(([s], i) => {
    const e = 6 + 16 * i;
    head[e] = s >= 256 ? 0 : s;
    head[e + 1] = s >= 256 ? 0 : s;
    head.writeUInt16LE(1, e + 4);
    head.writeUInt16LE(32, e + 6);
    head.writeUInt32LE(images[i].length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += images[i].length;
  });
  return Buffer.concat([head, ...images]);
}

// OSType -> pixel size of the PNG it carries (ic11..ic14 are the @2x variants).
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

export function buildIcns(pngs) {
  const chunks = ICNS_TYPES.map(([type, size]) => {
    const png = pngs.get(size);
    const h = Buffer.alloc(8);
    h.write(type, 0, 'latin1');
    h.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([h, png]);
  });
  const body = Buffer.concat(chunks);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'latin1');
  h.writeUInt32BE(8 + body.length, 4);
  return Buffer.concat([h, body]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const pngs = new Map(SIZES.map((s) => [s, rasterise(s)]));
  writeFileSync(join(dir, 'icon.ico'), buildIco(pngs));
  writeFileSync(join(dir, 'icon.icns'), buildIcns(pngs));
  console.log(`build/icons: ${SIZES.map((s) => `${s}x${s}.png`).join(' ')} icon.ico icon.icns`);
}
