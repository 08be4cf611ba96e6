/**
 * Code is placed by the runtime it needs (docs: architecture): shared/ outside shared/node/ runs
 * anywhere, so it may not import Node built-ins, electron, or DOM-only APIs; renderer/ may not
 * import Node or Electron; shared/ never imports from main/ or renderer/.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const DOM_GLOBALS = /\b(document|window|localStorage|sessionStorage|navigator|HTMLElement|XMLHttpRequest)\s*[.[(]/;

function files(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|tsx)$/.test(name)) out.push(p);
  }
  return out;
}

function imports(src: string): string[] {
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  const out: string[] = [];
  for (const m of src.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function violations(dir: string, opts: { skip?: string; forbidDom: boolean; forbidPaths: string[] }): string[] {
  const bad: string[] = [];
  for (const f of files(dir)) {
    const rel = relative(root, f);
    if (opts.skip && rel.startsWith(opts.skip)) continue;
    // Build configuration runs in Node at build time, not in the renderer.
    if (/(^|\/)vite\.config\.ts$/.test(rel)) continue;
    const src = readFileSync(f, 'utf8');
    for (const spec of imports(src)) {
      if (NODE.has(spec) || spec.startsWith('node:')) bad.push(`${rel}: imports ${spec}`);
      if (spec === 'electron' || spec.startsWith('electron/')) bad.push(`${rel}: imports ${spec}`);
      for (const p of opts.forbidPaths) if (spec.includes(p)) bad.push(`${rel}: imports ${spec}`);
    }
    const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (opts.forbidDom && DOM_GLOBALS.test(code)) bad.push(`${rel}: uses a DOM-only global`);
  }
  return bad;
}

describe('import direction', () => {
  it('shared/ (outside shared/node/) imports no Node built-in, electron, DOM, main/ or renderer/', () => {
    expect(violations(join(root, 'shared'), { skip: 'shared/node/', forbidDom: true, forbidPaths: ['/main/', '/renderer/'] })).toEqual([]);
  });
  it('renderer/ imports no Node built-in or electron', () => {
    expect(violations(join(root, 'renderer'), { forbidDom: false, forbidPaths: ['/main/'] })).toEqual([]);
  });
  it('the check itself catches a violation', () => {
    expect(imports("import { readFile } from 'node:fs';\nimport x from 'electron';")).toEqual(['node:fs', 'electron']);
    expect(DOM_GLOBALS.test('document.createElement("a")')).toBe(true);
  });
});
