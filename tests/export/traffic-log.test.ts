/** PAN-OS traffic-log import: the firewall's own account of each session, beside what the captures show. */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { joinTrafficLog, loggedSessions, normalizeIp, parseTrafficLog, TrafficLogError } from '../../shared/tlog/traffic-log.ts';
import type { AnalysisResult } from '../../shared/api/analysis.ts';
import { incidentOnDisk, sourceOf, TRAFFIC_LOG } from './support.ts';

let result: AnalysisResult;
const csv = readFileSync(TRAFFIC_LOG, 'utf8');

beforeAll(() => {
  result = sourceOf(incidentOnDisk()).result;
});

function flowOf(client: string) {
  return result.flows.find((f) => f.client === client)!;
}

describe('reading a PAN-OS 10.x traffic-log export', () => {
  it('finds the columns of the web UI export and reads every session', () => {
    const log = parseTrafficLog(csv, { source: 'traffic.csv' });
    expect(log.entries).toHaveLength(21);
    expect(log.columns).toMatchObject({
      src: 'Source address',
      dport: 'Destination Port',
      proto: 'IP Protocol',
      endReason: 'session_end_reason',
      start: 'Start Time',
      elapsed: 'Elapsed Time (sec)',
      deviceName: 'Device Name',
      serial: 'Serial #',
    });
    const moved = log.entries.find((e) => e.sport === 51544)!;
    expect(moved).toMatchObject({ src: '172.21.43.170', dst: '198.51.100.52', dport: 443, proto: 'tcp', endReason: 'aged-out', deviceName: 'PA-VM-1', elapsedSec: 3601, line: 2 });
    expect(moved.startSec).toBe(Date.UTC(2023, 10, 25, 22, 22, 5) / 1000);
  });

  it('matches headers case-insensitively through aliases (syslog-style names, other releases)', () => {
    const text = [
      'Generate Time,SRC,dst,sport,DPort,Protocol,session_end_reason,Elapsed Time (sec),Serial,action',
      '2023/11/25 23:22:06,172.21.43.170,198.51.100.52,51544,443,6,aged-out,3601,007954000351284,allow',
    ].join('\r\n');
    const log = parseTrafficLog(text);
    expect(log.entries[0]).toMatchObject({ proto: 'tcp', endReason: 'aged-out', serial: '007954000351284', action: 'allow' });
    // Without Start Time, the start is the log time less the elapsed time.
    expect(log.entries[0].startSec).toBe(Date.UTC(2023, 10, 25, 22, 22, 5) / 1000);
  });

  it('says which line and column is wrong in a malformed CSV', () => {
    const lines = csv.split('\n');
    const header = lines[0];
    const row = lines[1].split(',');
    const badPort = [...row];
    badPort[23] = '51x44';
    const badTime = [...row];
    badTime[34] = 'yesterday';
    const text = [header, lines[1], row.slice(0, 12).join(','), badPort.join(','), badTime.join(','), ''].join('\n');
    let err: Error | null = null;
    try {
      parseTrafficLog(text, { source: 'traffic.csv' });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(TrafficLogError);
    expect(err!.message).toContain('traffic.csv: malformed traffic log CSV:');
    expect(err!.message).toContain(`line 3: expected ${header.split(',').length} fields as in the header, found 12`);
    expect(err!.message).toContain('line 4: column "Source Port": expected a port number 0-65535, got "51x44"');
    expect(err!.message).toContain('line 5: column "Start Time": expected a time like 2023/11/25 22:22:05, got "yesterday"');
  });

  it('counts lines inside quoted fields (a rule description with a line break) and after blank lines', () => {
    const text = 'Source address,Destination address,Source Port,Destination Port,IP Protocol,Start Time,Rule\n\n' +
      '10.0.0.1,10.0.0.2,1000,80,tcp,2023/11/25 22:22:05,"two\nlines"\n' +
      '10.0.0.1,10.0.0.2,1001,80x,tcp,2023/11/25 22:22:05,r\n';
    expect(() => parseTrafficLog(text)).toThrow('line 5: column "Destination Port": expected a port number 0-65535, got "80x"');
  });

  it('refuses a file that is not a traffic log, naming the columns it lacks', () => {
    expect(() => parseTrafficLog('Name,Value\na,b\n', { source: 'x.csv' })).toThrow(
      'x.csv: line 1: not a PAN-OS traffic log: no column "Source address", "Destination address", "Destination Port", "IP Protocol", "Start Time" (or "Generate Time" / "Receive Time") in the header (found: "Name", "Value")',
    );
    expect(() => parseTrafficLog('', { source: 'x.csv' })).toThrow('x.csv: empty file');
  });

  it('writes IPv6 addresses the way flows do (RFC 5952)', () => {
    expect(normalizeIp('2001:0DB8:0021:0043:0000:0000:0000:0170')).toBe('2001:db8:21:43::170');
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('::ffff:10.1.2.3')).toBe('::ffff:a01:203');
    expect(normalizeIp('172.21.43.170')).toBe('172.21.43.170');
  });
});

describe('joining the log to the flows', () => {
  it('puts the logged end reason beside the inferred one and flags the disagreement', () => {
    const join = joinTrafficLog(result, [parseTrafficLog(csv, { source: 'traffic.csv' })]);
    // The moved session: PA-VM-1 logged aged-out, as stagediff infers.
    const moved = flowOf('172.21.43.170:51544');
    expect(loggedSessions(join, moved.id, 'PA-VM-1')).toEqual([expect.objectContaining({ logged: 'aged-out', inferred: 'aged-out', disagrees: false, line: 2 })]);
    // PA-VM-2 dropped its non-SYN packets and logged no session for it.
    expect(loggedSessions(join, moved.id, 'PA-VM-2')).toEqual([]);
    expect(join.notLogged).toContainEqual({ flowId: moved.id, device: 'PA-VM-2', inferred: 'n/a' });
    // The one row that contradicts the captures.
    const dis = join.sessions.filter((s) => s.disagrees);
    expect(dis).toEqual([expect.objectContaining({ flowId: flowOf('172.21.43.174:49274').id, device: 'PA-VM-1', logged: 'tcp-rst-from-client', inferred: 'tcp-fin' })]);
    // Every other logged session agrees.
    expect(join.sessions.filter((s) => !s.disagrees).every((s) => s.logged === s.inferred)).toBe(true);
    expect(join.sessions).toHaveLength(20);
  });

  it('never joins on Session ID across firewalls: the same id on two firewalls stays two sessions', () => {
    const join = joinTrafficLog(result, [parseTrafficLog(csv)]);
    const shared = join.sessions.filter((s) => s.sessionId === '31296');
    expect(shared.map((s) => [s.device, result.flows.find((f) => f.id === s.flowId)!.client]).sort()).toEqual([
      ['PA-VM-1', '172.21.43.174:49274'],
      ['PA-VM-2', '172.21.43.172:50210'],
    ]);
  });

  it('joins per firewall: a row from PA-VM-2 never lands on PA-VM-1 traffic of the same 5-tuple', () => {
    const lines = csv.split('\n');
    const moved = lines[1].replace(',PA-VM-1,', ',PA-VM-2,').replace('007954000351284', '007954000351285');
    const join = joinTrafficLog(result, [parseTrafficLog([lines[0], moved].join('\n'))]);
    // PA-VM-2 saw this 5-tuple only after the move (22:28:46); the row says the session started 22:22:05 and lasted an hour: overlap, so it joins PA-VM-2 only.
    expect(join.sessions.map((s) => s.device)).toEqual(['PA-VM-2']);
    expect(join.sessions[0].disagrees).toBe(true); // PA-VM-2 had no session (n/a) yet one was logged
  });

  it('reports rows that match no flow, and a firewall it does not know, with the line', () => {
    const join = joinTrafficLog(result, [parseTrafficLog(csv, { source: 'traffic.csv' })]);
    expect(join.unmatched).toEqual([{ source: 'traffic.csv', line: 6, reason: 'no flow udp 172.21.200.84:123 -> 169.254.169.123:123 on PA-VM-1' }]);
    const other = csv.split('\n').slice(0, 3).join('\n').replaceAll('PA-VM-1', 'PA-VM-9');
    const j2 = joinTrafficLog(result, [parseTrafficLog(other, { source: 'other.csv' })]);
    expect(j2.unmatched[0].reason).toMatch(/^firewall "PA-VM-9" is not among the captures' devices \(PA-VM-1, PA-VM-2\)/);
    // A device map (serial or name -> capture device) fixes it.
    const j3 = joinTrafficLog(result, [parseTrafficLog(other)], { deviceMap: { 'PA-VM-9': 'PA-VM-1' } });
    expect(j3.sessions).toHaveLength(2);
  });

  it('applies the firewall clock offset and the time tolerance', () => {
    const lines = csv.split('\n');
    const log = parseTrafficLog([lines[0], lines[2]].join('\n')); // f8 on PA-VM-1, started 22:22:13
    expect(joinTrafficLog(result, [log]).sessions).toHaveLength(1);
    // The same row, one hour off (a firewall logging in another time zone): no match...
    const off = parseTrafficLog([lines[0], lines[2]].join('\n'), { utcOffsetMinutes: 60 });
    expect(joinTrafficLog(result, [off]).sessions).toHaveLength(0);
    expect(joinTrafficLog(result, [off]).unmatched[0].reason).toMatch(/was not active at/);
  });
});
