/**
 * The seed corpus and every input the fuzzer ever caught (tests/fuzz/regressions/) through both
 * fuzz targets, in process: deterministic and quick, so a fixed bug stays fixed.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTarget, readerPipeline } from './targets.ts';

const here = import.meta.dirname;

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.md')).map((n) => join(dir, n)) : [];
}

describe('fuzz seed corpus', () => {
  it('stays small (< 2 MB) and covers both targets', () => {
    let total = 0;
    for (const t of ['reader', 'decode']) {
      const fs = files(join(here, 'corpus', t));
      expect(fs.length, t).toBeGreaterThan(20);
      for (const f of fs) total += statSync(f).size;
    }
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it('every reader seed passes the reader+indexer+analysis invariants', () => {
    for (const f of files(join(here, 'corpus', 'reader'))) {
      expect(() => readerPipeline(new Uint8Array(readFileSync(f))), f).not.toThrow();
    }
  });

  it('every decode seed passes the decode invariants', () => {
    for (const f of files(join(here, 'corpus', 'decode'))) {
      expect(() => decodeTarget(new Uint8Array(readFileSync(f))), f).not.toThrow();
    }
  });

  // Inputs the fuzzer found (named reader-* or decode-* after their target); see README there.
  const regressions = files(join(here, 'regressions'));
  for (const f of regressions) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    it(`regression ${name}`, () => {
      const bytes = new Uint8Array(readFileSync(f));
      if (name.startsWith('decode-')) decodeTarget(bytes);
      else readerPipeline(bytes);
    });
  }
});
