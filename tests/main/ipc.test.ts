import { describe, expect, it } from 'vitest';
import { FileAllowList, isAppUrl, safeFileName, validateReadRange, validateRecent, validateSave } from '../../main/ipc-validate.ts';
import { MAX_READ_BYTES } from '../../shared/api/bridge.ts';

const opened = '/cases/incident/PA-VM-1_receive.pcap';

function allow(): FileAllowList {
  const a = new FileAllowList();
  a.add(opened);
  return a;
}

describe('IPC: the renderer reads only files the user opened', () => {
  it('allows a byte range of an opened file', () => {
    expect(validateReadRange({ path: opened, offset: 0, length: 4096 }, allow())).toEqual({ path: opened, offset: 0, length: 4096 });
  });

  it('refuses other files, traversal, relative paths and odd types', () => {
    const a = allow();
    for (const path of ['/etc/passwd', '/cases/incident/../incident/PA-VM-1_receive.pcap', '/cases/incident/./PA-VM-1_receive.pcap', 'PA-VM-1_receive.pcap', '', `${opened}\0.txt`, 42, null, ['x']]) {
      expect(() => validateReadRange({ path, offset: 0, length: 10 }, a), String(path)).toThrow();
    }
  });

  it('refuses negative, fractional, huge or missing offsets and lengths', () => {
    const a = allow();
    for (const [offset, length] of [[-1, 10], [0.5, 10], [0, 0], [0, MAX_READ_BYTES + 1], [0, 1.5], ['0', 10], [Infinity, 10], [0, NaN]]) {
      expect(() => validateReadRange({ path: opened, offset, length }, a), `${offset} ${length}`).toThrow();
    }
    expect(() => validateReadRange(null, a)).toThrow();
    expect(() => validateReadRange('x', a)).toThrow();
  });

  it('only the app origin is a trusted sender', () => {
    expect(isAppUrl('app://stagediff/index.html')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('https://stagediff/index.html')).toBe(false);
    expect(isAppUrl('file:///tmp/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });

  it('save: a file name without folders; data a string or bytes; filters cleaned', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Windows\\x.csv')).toBe('x.csv');
    expect(safeFileName('.hidden')).toBe('hidden');
    expect(safeFileName(7)).toBe('stagediff-export');
    const r = validateSave({ defaultName: 'a/b.csv', data: 'x', filters: [{ name: 'CSV', extensions: ['csv', '../x', 3] }, 'junk'] });
    expect(r).toEqual({ defaultName: 'b.csv', data: 'x', filters: [{ name: 'CSV', extensions: ['csv'] }] });
    expect(validateSave({ defaultName: 'x.pcapng', data: new Uint8Array(3) }).data).toBeInstanceOf(Uint8Array);
    expect(() => validateSave({ defaultName: 'x', data: { a: 1 } })).toThrow();
  });

  it('recent files: keeps only opened paths', () => {
    expect(validateRecent([opened, '/etc/shadow', 5], allow())).toEqual([opened]);
    expect(() => validateRecent('x', allow())).toThrow();
  });
});


