import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate } from '../../main/menu.ts';
import type { MenuCommand } from '../../shared/api/bridge.ts';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function build(platform: string, recent: string[] = []) {
  const sent: MenuCommand[] = [];
  const reopened: string[] = [];
  const t = buildMenuTemplate(platform, recent, { command: (c) => sent.push(c), openRecent: (p) => reopened.push(p), clearRecent: () => undefined, about: () => undefined });
  return { t, items: flatten(t), sent, reopened };
}

const click = (i: MenuItemConstructorOptions | undefined) => (i?.click as unknown as () => void)();

describe('the application menu', () => {
  it('has the commands of the issue, each sending its command to the window', () => {
    const { items, sent } = build('linux');
    const want: [string, MenuCommand][] = [
      ['Open Captures…', 'open-captures'],
      ['Open Case…', 'open-case'],
      ['Save Case…', 'save-case'],
      ['Export…', 'export'],
      ['Open Sample Incident', 'open-sample'],
      ['Settings…', 'settings'],
      ['About stagediff', 'about'],
    ];
    for (const [label, cmd] of want) {
      const item = items.find((i) => i.label === label);
      expect(item, label).toBeDefined();
      click(item);
      expect(sent.at(-1)).toBe(cmd);
    }
  });

  it('keeps Settings and About in the app menu on macOS', () => {
    const { t } = build('darwin');
    expect(t[0].label).toBe('stagediff');
    const labels = (t[0].submenu as MenuItemConstructorOptions[]).map((i) => i.label);
    expect(labels).toContain('Settings…');
    expect(labels).toContain('About stagediff');
  });

  it('lists recent files by name (escaping &) and reopens the full path', () => {
    const { items, reopened } = build('linux', ['/cases/R&D/PA-VM-1_receive.pcap', '/x/b.pcapng']);
    const item = items.find((i) => i.sublabel === '/cases/R&D/PA-VM-1_receive.pcap');
    expect(item?.label).toBe('&1 PA-VM-1_receive.pcap');
    click(item);
    expect(reopened).toEqual(['/cases/R&D/PA-VM-1_receive.pcap']);
    expect(items.find((i) => i.label === 'Clear Recent')).toBeDefined();
  });

  it('says so when there are no recent files', () => {
    const { items } = build('win32');
    expect(items.find((i) => i.label === 'No recent files')?.enabled).toBe(false);
  });

  it('single-key shortcuts do not steal keys from text fields (registerAccelerator: false)', () => {
    const { items } = build('linux');
    for (const label of ['Next Finding', 'Previous Finding', 'Zoom Timeline In', 'Zoom Timeline Out']) {
      expect(items.find((i) => i.label === label)?.registerAccelerator).toBe(false);
    }
  });
});
