/**
 * Capture files named on the command line: the first launch (`stagediff-app a.pcap b.pcapng`), a
 * second launch handed over by the single-instance lock, or "open with" from the file manager.
 * Plain functions so tests run them without Electron.
 */
import { isAbsolute, resolve } from 'node:path';

export const CAPTURE_EXTENSIONS = ['pcap', 'pcapng', 'cap'] as const;

/** True for a file name ending in .pcap, .pcapng or .cap (any case). */
export function isCaptureFileName(name: string): boolean {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m !== null && (CAPTURE_EXTENSIONS as readonly string[]).includes(m[1].toLowerCase());
}

/**
 * The capture paths in an argv, resolved against cwd. Skips the executable, the app path (an
 * argument that is a directory or a .js/.cjs entry when run as `electron .`), every switch
 * (`--flag`, `--flag=value`, Chromium's `--inspect` etc.) and anything that is not a capture file.
 * Duplicates are dropped; order is kept.
 */
export function captureArgs(argv: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let afterDashDash = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!afterDashDash && a === '--') {
      afterDashDash = true;
      continue;
    }
    if (!afterDashDash && a.startsWith('-')) continue;
    if (!isCaptureFileName(a)) continue;
    const p = isAbsolute(a) ? resolve(a) : resolve(cwd, a);
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  return out;
}
