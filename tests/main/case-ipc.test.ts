import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { autosavePath, caseFileName, CasePaths, pdfRequestAllowed, validateCase, validateHashFiles, validateSaveCase, validateSavePdf, withCaseExtension } from '../../main/case-ipc.ts';
import { FileAllowList } from '../../main/ipc-validate.ts';
import { emptyCase, newAnnotation } from '../../shared/case/case-file.ts';
import type { CaseFile } from '../../shared/api/case.ts';

const SHA = 'a'.repeat(64);

function aCase(): CaseFile {
  const c = emptyCase('GWLB incident 2023-11-25');
  c.captures.push({ path: '/cases/incident/PA-VM-2_drop.pcap', sha256: SHA, size: 3000, device: 'PA-VM-2', stage: 'drop' });
  c.clockOffsets = { 'PA-VM-2': -3.7 };
  c.settings = { gwlbIdleTimeout: 600 };
  c.annotations.push(newAnnotation({ kind: 'packet', path: '/cases/incident/PA-VM-2_drop.pcap', frame: 1 }, 'first packet after the move', { id: 'a1', now: new Date('2026-01-02T03:04:05Z') }));
  return c;
}

describe('case calls from the renderer', () => {
  it('accepts a case by a round trip through the file format', () => {
    const c = validateCase(aCase());
    expect(c.captures[0]).toEqual({ path: '/cases/incident/PA-VM-2_drop.pcap', sha256: SHA, size: 3000, device: 'PA-VM-2', stage: 'drop' });
    expect(c.annotations[0]).toMatchObject({ id: 'a1', text: 'first packet after the move', target: { kind: 'packet', frame: 1 } });
    expect(c.settings).toEqual({ gwlbIdleTimeout: 600 });
  });

  it('refuses what is not a case, naming the field', () => {
    expect(() => validateCase(null)).toThrow(/object/);
    expect(() => validateCase([])).toThrow(/object/);
    const bad = aCase();
    bad.captures[0].sha256 = 'nothex';
    expect(() => validateCase(bad)).toThrow(/captures\[0\]\.sha256/);
    const bad2 = aCase();
    (bad2.annotations[0].target as { frame: number }).frame = 0;
    expect(() => validateCase(bad2)).toThrow(/annotations\[0\]\.target\.frame/);
    const bad3 = aCase();
    bad3.settings = { gwlbIdleTimeout: 5 };
    expect(() => validateCase(bad3)).toThrow();
  });

  it('writes without asking only to a case path the user chose this run', () => {
    const known = new CasePaths();
    known.add('/cases/incident/incident.stagediff.json');
    expect(validateSaveCase({ case: aCase(), path: '/cases/incident/incident.stagediff.json' }, known).path).toBe('/cases/incident/incident.stagediff.json');
    // Not chosen this run (e.g. remembered from before): the dialog asks.
    expect(validateSaveCase({ case: aCase(), path: '/etc/cron.d/x.stagediff.json' }, known).path).toBeNull();
    expect(validateSaveCase({ case: aCase(), path: '/cases/incident/../incident/incident.stagediff.json' }, known).path).toBe('/cases/incident/incident.stagediff.json');
    expect(() => validateSaveCase({ case: aCase(), path: 'relative.json' }, known)).toThrow(/absolute/);
    expect(() => validateSaveCase({ case: aCase(), path: '/x\0.json' }, known)).toThrow();
    expect(() => validateSaveCase('x', known)).toThrow();
    expect(validateSaveCase({ case: aCase() }, known).defaultName).toBe('GWLB-incident-2023-11-25.stagediff.json');
  });

  it('names case files safely and keeps the .stagediff.json extension', () => {
    expect(caseFileName(undefined)).toBe('incident.stagediff.json');
    expect(caseFileName('../../etc/passwd')).toBe('passwd.stagediff.json');
    expect(caseFileName('a:b?c')).toBe('a_b_c.stagediff.json');
    expect(withCaseExtension('/x/incident')).toBe('/x/incident.stagediff.json');
    expect(withCaseExtension('/x/incident.json')).toBe('/x/incident.stagediff.json');
    expect(withCaseExtension('/x/incident.stagediff.json')).toBe('/x/incident.stagediff.json');
    expect(autosavePath('/home/u/.config/stagediff')).toBe(join('/home/u/.config/stagediff', 'autosave.stagediff.json'));
  });

  it('hashes only files the user opened', () => {
    const allow = new FileAllowList();
    allow.add('/cases/incident/PA-VM-1_receive.pcap');
    expect(validateHashFiles(['/cases/incident/PA-VM-1_receive.pcap', '/etc/shadow', 42], allow)).toEqual({ ok: ['/cases/incident/PA-VM-1_receive.pcap'], refused: ['/etc/shadow', '42'] });
    expect(() => validateHashFiles('/etc/shadow', allow)).toThrow();
  });

  it('prints only a report it was given, and the PDF window loads nothing but the report', () => {
    expect(validateSavePdf({ html: '<h1>x</h1>', defaultName: 'incident-report' })).toEqual({ html: '<h1>x</h1>', defaultName: 'incident-report.pdf' });
    expect(validateSavePdf({ html: '<h1>x</h1>', defaultName: '../x.pdf' }).defaultName).toBe('x.pdf');
    expect(() => validateSavePdf({ html: '' })).toThrow();
    expect(() => validateSavePdf({ html: 3 })).toThrow();
    const report = 'file:///tmp/stagediff-pdf-1/report.html';
    expect(pdfRequestAllowed(report, report)).toBe(true);
    expect(pdfRequestAllowed('https://example.com/logo.png', report)).toBe(false);
    expect(pdfRequestAllowed('file:///etc/passwd', report)).toBe(false);
  });
});
