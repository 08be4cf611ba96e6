/**
 * The built-in guide: docs/guide.md renders (at build time) to HTML that carries no raw HTML, no
 * remote links or images, and app links only to known commands; Help > User Guide (F1) and the
 * preload's allow-list reach it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { renderGuide } from '../../scripts/guide.mjs';
import { buildMenuTemplate } from '../../main/menu.ts';
import { MENU_COMMANDS, type MenuCommand } from '../../shared/api/bridge.ts';

const root = join(import.meta.dirname, '..', '..');
const source = readFileSync(join(root, 'docs', 'guide.md'), 'utf8');

describe('docs/guide.md rendered for the app', () => {
  const g = renderGuide(source);

  it('has a title, a table of contents and the sections the issue asks for', () => {
    expect(g.title).toBe('stagediff user guide');
    const toc = g.toc.map((t) => t.text).join('\n');
    for (const s of ['Take the captures on PAN-OS', 'Read the GWLB incident', 'What the findings mean', 'Command line reference']) expect(toc).toContain(s);
    for (const k of ['session-moved', 'idle-timeout-exceeded', 'non-syn-drop', 'half-close-timeout', 'asymmetric-path', 'incomplete-handshake', 'fin-not-forwarded', 'not-forwarded', 'rst']) {
      expect(toc).toContain(k);
    }
  });

  it('states the commands, the stage file names and the timers', () => {
    for (const s of [
      'debug dataplane packet-diag set filter match source',
      'debug dataplane packet-diag set capture stage receive file PA-VM-1_receive.pcap',
      'debug dataplane packet-diag set capture stage drop file PA-VM-1_drop.pcap',
      'debug dataplane packet-diag set capture on',
      'debug dataplane packet-diag set capture off',
      'show counter global filter delta yes packet-filter yes',
      'scp export filter-pcap from',
      'Monitor &gt; Packet Capture',
      'tcp.idle_timeout.seconds',
      '325 s',
      'tcp-reject-non-syn',
      'TCP half-closed',
      'stagediff analyze',
      'stagediff packets --json CAPTURE',
      'stagediff export --format',
    ]) {
      expect(g.html).toContain(s);
    }
  });

  it('links into the app (the sample incident) and nowhere else', () => {
    expect(g.html).toContain('data-command="open-sample"');
    const hrefs = [...g.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.every((h) => h.startsWith('#'))).toBe(true);
    expect(g.html).not.toMatch(/<(script|img|iframe|object|embed|style|link)\b/i);
  });

  it('escapes raw HTML and turns remote links and images into text', () => {
    const r = renderGuide('# T\n\n<script>alert(1)</script>\n\nx <b onclick="y">b</b> [site](https://example.com) ![pic](http://example.com/p.png)\n');
    expect(r.html).not.toMatch(/<script|<b |onclick="|<img|href="http/);
    expect(r.html).toContain('&lt;script&gt;');
    expect(r.html).toContain('(https://example.com)');
    expect(() => renderGuide('[x](stagediff:rm-rf)')).toThrow(/unknown app link/);
  });
});

describe('opening the guide', () => {
  const flatten = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] => items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);

  it('Help > User Guide (F1) sends the guide command on every platform', () => {
    for (const platform of ['linux', 'win32', 'darwin']) {
      const sent: MenuCommand[] = [];
      const t = buildMenuTemplate(platform, [], { command: (c) => sent.push(c), openRecent: () => undefined, clearRecent: () => undefined, about: () => undefined });
      const help = t.find((m) => m.role === 'help');
      const item = flatten([help!]).find((i) => i.label === 'User Guide');
      expect(item?.accelerator).toBe('F1');
      (item?.click as unknown as () => void)();
      expect(sent).toEqual(['guide']);
    }
  });

  it('the preload passes the guide command to the renderer', () => {
    expect(MENU_COMMANDS).toContain('guide');
  });
});
