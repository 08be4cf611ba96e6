/**
 * Jazzer.js entry points (bundled to CommonJS by scripts/fuzz.mjs, which runs them):
 *   fuzzReader  bytes -> reader (random chunks) -> indexer -> analysis, see targets.ts (a)
 *   fuzzDecode  one packet of one link type -> decodePacket + packetFields, see targets.ts (b)
 * Jazzer hands a Buffer whose slice() is a view: copy it into a plain Uint8Array first.
 */
import { decodeTarget, readerPipeline } from './targets.ts';

export function fuzzReader(data: Uint8Array): void {
  readerPipeline(new Uint8Array(data));
}

export function fuzzDecode(data: Uint8Array): void {
  decodeTarget(new Uint8Array(data));
}
