import { describe, expect, it } from 'vitest';
import { captureArgs, isCaptureFileName } from '../../main/args.ts';

describe('capture files on the command line ("open with", second launch)', () => {
  it('takes .pcap, .pcapng and .cap files, resolved against the working directory', () => {
    const argv = ['/opt/stagediff/stagediff', 'PA-VM-1_receive.pcap', '/data/fw2-tx.PCAPNG', 'old.cap'];
    expect(captureArgs(argv, '/home/eng/incident')).toEqual(['/home/eng/incident/PA-VM-1_receive.pcap', '/data/fw2-tx.PCAPNG', '/home/eng/incident/old.cap']);
  });

  it('skips the executable, the app path, switches and other files', () => {
    const argv = ['/usr/bin/electron', '.', '--inspect=9229', '--allow-file-access-from-files', 'dist/main/main.cjs', 'notes.txt', 'a.pcap'];
    expect(captureArgs(argv, '/w')).toEqual(['/w/a.pcap']);
  });

  it('a second launch with the same file twice hands it over once', () => {
    expect(captureArgs(['exe', 'x.pcap', './x.pcap', '/w/x.pcap'], '/w')).toEqual(['/w/x.pcap']);
  });

  it('after "--" a name starting with a dash is a file', () => {
    expect(captureArgs(['exe', '--', '-odd.pcap'], '/w')).toEqual(['/w/-odd.pcap']);
  });

  it('knows the capture extensions in any case, and nothing else', () => {
    expect(isCaptureFileName('A.PCAP')).toBe(true);
    expect(isCaptureFileName('b.pcapng')).toBe(true);
    expect(isCaptureFileName('c.cap')).toBe(true);
    expect(isCaptureFileName('d.pcap.gz')).toBe(false);
    expect(isCaptureFileName('pcap')).toBe(false);
  });
});
