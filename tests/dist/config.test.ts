/**
 * electron-builder.yml, as electron-builder itself loads and validates it: targets for every
 * platform, the app id and name, the file associations every installer declares, the icons, and
 * nothing that publishes or updates.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import type { Configuration, FileAssociation } from 'app-builder-lib';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

async function load(): Promise<Configuration> {
  const config = await getConfig(root, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

type TargetList = (string | { target: string; arch?: string | string[] })[];
const targets = (t: unknown): { target: string; arch: string[] }[] =>
  (t as TargetList).map((x) => (typeof x === 'string' ? { target: x, arch: [] } : { target: x.target, arch: ([] as string[]).concat(x.arch ?? []) }));

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(load()).resolves.toBeTruthy();
  });

  it('names the app and its id', async () => {
    const c = await load();
    expect(c.appId).toBe('io.stagediff.app');
    expect(c.productName).toBe('stagediff');
    expect(c.extraMetadata?.main).toBe(pkg.main);
  });

  it('builds AppImage and deb, NSIS and portable, and dmg for x64 and arm64', async () => {
    const c = await load();
    expect(targets(c.linux?.target).map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
    const win = targets(c.win?.target);
    expect(win.map((t) => t.target).sort()).toEqual(['nsis', 'portable']);
    const mac = targets(c.mac?.target);
    expect(mac).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
  });

  it('declares .pcap, .pcapng and .cap for every installer (top level, not per platform)', async () => {
    const c = await load();
    const fa = ([] as FileAssociation[]).concat(c.fileAssociations ?? []);
    const byExt = new Map(fa.flatMap((a) => ([] as string[]).concat(a.ext).map((e) => [e, a] as const)));
    expect([...byExt.keys()].sort()).toEqual(['cap', 'pcap', 'pcapng']);
    // One extension per entry: Linux writes one shared-mime-info glob per entry.
    for (const a of fa) expect(typeof a.ext).toBe('string');
    expect(byExt.get('pcap')?.mimeType).toBe('application/vnd.tcpdump.pcap');
    expect(byExt.get('cap')?.mimeType).toBe('application/vnd.tcpdump.pcap');
    expect(byExt.get('pcapng')?.mimeType).toBe('application/x-pcapng');
    for (const a of fa) {
      expect(a.role).toBe('Viewer');
      expect(a.name).toBeTruthy();
      expect(a.description).toBeTruthy();
    }
    for (const p of [c.linux, c.win, c.mac, c.nsis]) expect((p as { fileAssociations?: unknown } | null | undefined)?.fileAssociations).toBeUndefined();
  });

  it('has no publish target and no auto-update', async () => {
    const c = await load();
    expect(c.publish ?? null).toBeNull();
    for (const p of [c.linux, c.win, c.mac]) expect((p as { publish?: unknown } | null | undefined)?.publish ?? null).toBeNull();
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(deps['electron-updater']).toBeUndefined();
    expect(pkg.build).toBeUndefined();
    const settings = readFileSync(join(root, 'electron-builder.yml'), 'utf8').replace(/#.*$/gm, '');
    expect(settings).not.toMatch(/electron-updater|autoUpdater|app-update|generateUpdatesFilesForAllChannels|detectUpdateChannel/);
  });

  it('uses the icon set in build/icons (PNG 16-1024, .ico, .icns)', async () => {
    const c = await load();
    expect(c.linux?.icon).toBe('build/icons');
    expect(c.win?.icon).toBe('build/icons/icon.ico');
    expect(c.mac?.icon).toBe('build/icons/icon.icns');
    for (const n of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const png = readFileSync(join(root, 'build', 'icons', `${n}x${n}.png`));
      expect(png.readUInt32BE(16), `${n}x${n}.png width`).toBe(n);
      expect(png.readUInt32BE(20), `${n}x${n}.png height`).toBe(n);
    }
    const ico = readFileSync(join(root, 'build', 'icons', 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(5);
    const icns = readFileSync(join(root, 'build', 'icons', 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(existsSync(join(root, 'build', 'icons', 'stagediff.svg'))).toBe(true);
  });

  it('ships the licences and only built files', async () => {
    const c = await load();
    // electron-builder normalises `files` to [{ filter: [...] }].
    const files = ([] as unknown[]).concat(c.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : ([] as string[]).concat((f as { filter?: string | string[] }).filter ?? [])));
    for (const f of ['LICENSE', 'THIRD_PARTY_NOTICES.md', 'SOURCES.md', 'dist/main/main.cjs', 'dist/main/preload.cjs', 'dist/renderer/**', 'dist/cli.mjs', 'dist/analysis-worker.cjs', 'dist/worker-load.cjs', 'dist/index-core.wasm', 'dist/flow-quiet.wasm', '!**/*.map', '!node_modules']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => !f.startsWith('!') && !/^(dist\/|LICENSE$|THIRD_PARTY_NOTICES\.md$|SOURCES\.md$)/.test(f))).toEqual([]);
  });

  it('has a dist script that builds and runs electron-builder', () => {
    expect(pkg.scripts.dist).toMatch(/scripts\/build\.mjs/);
    expect(pkg.scripts.dist).toMatch(/electron-builder/);
    expect(pkg.devDependencies['electron-builder']).toBeTruthy();
    expect(pkg.dependencies?.['electron-builder']).toBeUndefined();
  });
});
