/** The CLI contract other checks rely on: run the real `stagediff` binary on real files. */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { generateScenario } from '../gen/scenarios.ts';

const root = join(import.meta.dirname, '..', '..');
const pub = join(root, '..', 'shared', 'captures', 'public');
const bin = join(root, 'bin', 'stagediff.cjs');
let dir = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-only']);
  dir = mkdtempSync(join(tmpdir(), 'stagediff-cli-'));
  const g = generateScenario('gwlb-incident', 'pcap-le-us');
  for (const f of g.files) writeFileSync(join(dir, f.fileName), f.bytes);
  writeFileSync(join(dir, 'notes.txt'), 'not a capture\n');
  mkdirSync(join(dir, 'a-directory'));
});

describe('stagediff packets --json', () => {
  it('prints one object per packet with Wireshark field names, outer layer first', () => {
    const r = run(['packets', '--json', join(pub, 'tcpdump_geneve-gcp.pcap')]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]['frame.number']).toBe(1);
    expect(lines[0]['frame.time_epoch']).toMatch(/^\d+\.\d{9}$/);
    expect(Array.isArray(lines[0]['ip.src'])).toBe(true);
    expect(lines[0]['udp.dstport']).toBe(6081);
    expect(lines[0]['geneve.option.class']).toEqual([0x132, 0x132, 0x132]);
  });

  it('decodes the AWS GWLB options of a generated capture', () => {
    const r = run(['packets', '--json', join(dir, 'PA-VM-1_receive.pcap')]);
    const first = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((p) => p['udp.dstport'] === 6081);
    expect(first['geneve.option.class']).toEqual([0x108, 0x108, 0x108]);
    expect(first['geneve.option.type']).toEqual([1, 2, 3]);
    expect(first['geneve.aws.flow_cookie']).toMatch(/^0x[0-9a-f]{8}$/);
    expect(first['geneve.aws.endpoint_id']).toMatch(/^0x[0-9a-f]{16}$/);
  });

  it('bad usage exits 2 with one line and no stack trace', () => {
    const r = run(['packets', join(pub, 'zeek_vxlan.pcap')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^stagediff: packets needs --json/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('stagediff analyze', () => {
  it('reports every capture, an unreadable one too, and still analyses the rest', () => {
    const r = run([
      'analyze',
      '--json',
      `PA-VM-1:receive=${join(dir, 'PA-VM-1_receive.pcap')}`,
      join(dir, 'notes.txt'),
      join(dir, 'missing.pcap'),
      join(dir, 'a-directory'),
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.version).toBe(1);
    expect(j.captures.map((c: { path: string }) => c.path)).toHaveLength(4);
    const [ok, text, missing, directory] = j.captures;
    expect(ok).toMatchObject({ device: 'PA-VM-1', stage: 'receive', format: 'pcap', linkTypes: [1], errors: [] });
    expect(ok.first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(text.errors[0]).toMatchObject({ offset: 0 });
    expect(text.errors[0].message).toMatch(/not a pcap or pcapng file/);
    expect(missing.errors[0].message).toMatch(/no such file/);
    expect(directory.errors[0].message).toMatch(/directory/);
    expect(r.err).toContain('notes.txt: offset 0');
    expect(j.flows.length).toBeGreaterThan(10);
    expect(j.flows[0].points[0]).toHaveProperty('history');
  });

  it('finds the moved session with explicit labels and says so in the summary', () => {
    const caps = ['receive', 'firewall', 'transmit', 'drop'].flatMap((s) =>
      ['PA-VM-1', 'PA-VM-2'].map((d) => `${d}:${s}=${join(dir, `${d}_${s}.pcap`)}`),
    );
    const j = JSON.parse(run(['analyze', '--json', ...caps]).out);
    const moved = j.findings.filter((f: { kind: string }) => f.kind === 'session-moved');
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({ fromDevice: 'PA-VM-1', toDevice: 'PA-VM-2', firstReappearedFlags: 'FIN,ACK', flow: { client: '172.21.43.170:51544' } });
    const text = run(['analyze', ...caps]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/MOVED SESSIONS \(1\)/);
    expect(text.out.indexOf('session-moved')).toBeLessThan(text.out.indexOf('Other findings'));
  });

  it('--gwlb-idle-timeout and --clock-offset change the result', () => {
    const caps = ['receive', 'drop'].flatMap((s) => ['PA-VM-1', 'PA-VM-2'].map((d) => `${d}:${s}=${join(dir, `${d}_${s}.pcap`)}`));
    const long = JSON.parse(run(['analyze', '--json', '--gwlb-idle-timeout', '600', ...caps]).out);
    expect(long.findings.some((f: { kind: string }) => f.kind === 'session-moved')).toBe(false);
    const shifted = JSON.parse(run(['analyze', '--json', '--clock-offset', 'PA-VM-2=10', ...caps]).out);
    const m = shifted.findings.find((f: { kind: string }) => f.kind === 'session-moved');
    expect(m.idleSeconds).toBeCloseTo(410, 0);
  });

  it('exit 2 when no file could be read, on a wrong stage, on a bad timer', () => {
    expect(run(['analyze', join(dir, 'notes.txt')]).code).toBe(2);
    const wrong = run(['analyze', `fw1:recieve=${join(dir, 'PA-VM-1_receive.pcap')}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/unknown stage "recieve"/);
    const timer = run(['analyze', '--gwlb-idle-timeout', '10', join(dir, 'PA-VM-1_receive.pcap')]);
    expect(timer.code).toBe(2);
    expect(timer.err).toMatch(/from 60 to 6000/);
  });

  it('reads timers from a settings file', () => {
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ 'gwlb-idle-timeout': 600 }));
    const caps = ['receive', 'drop'].flatMap((s) => ['PA-VM-1', 'PA-VM-2'].map((d) => `${d}:${s}=${join(dir, `${d}_${s}.pcap`)}`));
    const j = JSON.parse(run(['analyze', '--json', '--settings', settings, ...caps]).out);
    expect(j.settings.gwlbIdleTimeout).toBe(600);
    expect(j.findings.some((f: { kind: string }) => f.kind === 'session-moved')).toBe(false);
  });
});

describe('the command run through its first line, as installed', () => {
  // The bin's `#!/usr/bin/env -S NODE_EXTRA_CA_CERTS=${STAGEDIFF_EXTRA_CA_CERTS} node`: node
  // would otherwise load that file (and its whole root store) before running anything. A file
  // that does not exist shows whether node tried: it warns "Ignoring extra certs from ...".
  const nodeFirst = { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  const missing = join(tmpdir(), 'stagediff-no-such-ca.pem');
  const exec = (env: Record<string, string>) => spawnSync(bin, ['analyze', join(dir, 'PA-VM-1_receive.pcap')], { encoding: 'utf8', env: { ...process.env, ...nodeFirst, ...env } });

  it('does not have node load NODE_EXTRA_CA_CERTS (no TLS anywhere in stagediff)', () => {
    const r = exec({ NODE_EXTRA_CA_CERTS: missing });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\d+ flow\(s\)/);
    expect(r.stderr).not.toMatch(/extra certs/);
  });

  it('runs node with single-threaded garbage collection for work in threads of its own, not for work in one thread', () => {
    const probe = join(tmpdir(), 'stagediff-exec-argv.cjs');
    writeFileSync(probe, "process.stderr.write('execArgv ' + JSON.stringify(process.execArgv) + '\\n');\n");
    const r = exec({ NODE_EXTRA_CA_CERTS: '', NODE_OPTIONS: `--require ${probe}` });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('execArgv ["--single-threaded-gc"]');
    // Work in one thread (here STAGEDIFF_THREADS=1) runs in a second node, with V8's helper threads.
    const one = exec({ NODE_EXTRA_CA_CERTS: '', NODE_OPTIONS: `--require ${probe}`, STAGEDIFF_THREADS: '1' });
    expect(one.status).toBe(0);
    const child = one.stderr.split('\n').find((l) => l.includes('--max-old-space-size'));
    expect(child).toBeDefined();
    expect(child).not.toContain('--single-threaded-gc');
  });

  it('passes STAGEDIFF_EXTRA_CA_CERTS on to node as NODE_EXTRA_CA_CERTS', () => {
    const r = exec({ NODE_EXTRA_CA_CERTS: '', STAGEDIFF_EXTRA_CA_CERTS: missing });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`Ignoring extra certs from \`${missing}\``);
  });
});
