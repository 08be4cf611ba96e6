/** Case files on disk: atomic saves, the last good copy, and a clear word when a file is damaged. */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCase, newAnnotation, parseCase, withAnnotation } from '../../shared/case/case-file.ts';
import { backupPath, caseCaptures, CaseFileError, openCaseFile, readCaseFile, sha256File, writeCaseFile } from '../../shared/node/case-io.ts';
import { incidentOnDisk } from '../export/support.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'stagediff-case-'));
}

describe('saving a case', () => {
  it('a saved incident case opens to the same state, capture hashes included', async () => {
    const inc = incidentOnDisk();
    const dir = tmp();
    const path = join(dir, 'INC-4711.stagediff.json');
    let c = emptyCase('INC-4711');
    c.captures = await caseCaptures(inc.files);
    c.clockOffsets = { 'PA-VM-2': 0.25 };
    c.settings = { gwlbIdleTimeout: 350 + 250 };
    c = withAnnotation(c, newAnnotation({ kind: 'flow', flowId: 'f4' }, 'the moved session', { author: 'ana', id: 'n1' }));
    c.savedAt = '2024-03-01T10:00:00.000Z';
    await writeCaseFile(path, c);
    const back = await readCaseFile(path);
    expect(back).toEqual(c);
    expect(back.captures).toHaveLength(8);
    for (const cap of back.captures) {
      const f = inc.files.find((x) => x.path === cap.path)!;
      expect(cap.sha256).toBe(createHash('sha256').update(f.bytes).digest('hex'));
      expect(cap.size).toBe(f.bytes.length);
    }
  });

  it('keeps the previous good save as .bak and leaves no temporary file', async () => {
    const dir = tmp();
    const path = join(dir, 'a.stagediff.json');
    const v1 = { ...emptyCase('first'), savedAt: '2024-03-01T10:00:00.000Z' };
    const v2 = { ...emptyCase('second'), savedAt: '2024-03-01T10:05:00.000Z' };
    await writeCaseFile(path, v1);
    await writeCaseFile(path, v2);
    expect((await readCaseFile(path)).title).toBe('second');
    expect(parseCase(readFileSync(backupPath(path), 'utf8')).title).toBe('first');
    expect(readdirSync(dir).sort()).toEqual(['a.stagediff.json', 'a.stagediff.json.bak']);
  });

  it('never replaces the last good copy with a damaged file', async () => {
    const dir = tmp();
    const path = join(dir, 'b.stagediff.json');
    await writeCaseFile(path, { ...emptyCase('good'), savedAt: '2024-03-01T10:00:00.000Z' });
    await writeCaseFile(path, { ...emptyCase('good 2'), savedAt: '2024-03-01T10:01:00.000Z' });
    writeFileSync(path, '{"format": "stagediff-case", "version": 1, "captures": [');
    await writeCaseFile(path, { ...emptyCase('after the crash'), savedAt: '2024-03-01T10:02:00.000Z' });
    // The damaged file was not worth keeping: .bak still holds the last good save.
    expect(parseCase(readFileSync(backupPath(path), 'utf8')).title).toBe('good');
    expect((await readCaseFile(path)).title).toBe('after the crash');
  });

  it('a save into a folder that does not exist fails with the file named and changes nothing', async () => {
    const path = join(tmp(), 'missing-folder', 'c.stagediff.json');
    await expect(writeCaseFile(path, emptyCase())).rejects.toThrow(new RegExp(`^${path.replace(/[.]/g, '\\.')}: could not save the case: ENOENT`));
  });
});

describe('opening a damaged case file', () => {
  it('names the file and the problem, and points at the last good copy', async () => {
    const dir = tmp();
    const path = join(dir, 'd.stagediff.json');
    await writeCaseFile(path, { ...emptyCase('good'), savedAt: '2024-03-01T10:00:00.000Z' });
    await writeCaseFile(path, { ...emptyCase('newer'), savedAt: '2024-03-01T10:01:00.000Z' });
    writeFileSync(path, JSON.stringify({ format: 'stagediff-case', version: 1, captures: [{ path: 'x.pcap', sha256: 'nope', size: 1, device: 'fw', stage: 'receive' }] }));
    const err = await readCaseFile(path).catch((e) => e);
    expect(err).toBeInstanceOf(CaseFileError);
    expect(err.message).toBe(`${path}: captures[0].sha256: expected 64 lower-case hex digits, got "nope"; the last good copy is ${path}.bak`);
    const opened = await openCaseFile(path);
    expect(opened.fromBackup).toBe(true);
    expect(opened.case.title).toBe('good');
    expect(opened.problem).toContain('captures[0].sha256');
  });

  it('an empty file (a save cut short) and a missing file say so', async () => {
    const dir = tmp();
    const empty = join(dir, 'e.stagediff.json');
    writeFileSync(empty, '');
    await expect(readCaseFile(empty)).rejects.toThrow(`${empty}: the case file is empty (a save was cut short?)`);
    await expect(readCaseFile(join(dir, 'nope.stagediff.json'))).rejects.toThrow(/nope\.stagediff\.json: cannot open the case file: no such file/);
    await expect(openCaseFile(empty)).rejects.toThrow(/is empty/);
  });

  it('sha256File streams a file in chunks and agrees with node:crypto', async () => {
    const dir = tmp();
    const p = join(dir, 'big.bin');
    const bytes = new Uint8Array(2_500_000).map((_, i) => i % 251);
    writeFileSync(p, bytes);
    expect(await sha256File(p)).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
  });
});
