/**
 * Strings from captures are data, never markup: a payload and a file (device) name carrying
 * <script> and an onerror handler show up as text in the app and run nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpPacket, ACK, PSH, RST, SYN } from '../gen/packets.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { concat } from '../gen/scenarios.ts';
import { dropFiles, foreignRequests, open, shot, type Harness } from './browser.ts';

const SCRIPT = '<script>window.__pwned=1</script>';
const DEVICE = '<img src=x onerror="window.__pwned=2">';
let h: Harness;

function capture(): Uint8Array {
  const c = { src: '10.9.9.9', dst: '192.0.2.80', srcPort: 45000, dstPort: 80 };
  const s = { src: '192.0.2.80', dst: '10.9.9.9', srcPort: 80, dstPort: 45000 };
  const text = new TextEncoder().encode(`GET /${SCRIPT} HTTP/1.1\r\n\r\n`);
  const pkts = [
    tcpPacket({ ...c, seq: 1, ack: 0, flags: SYN }),
    tcpPacket({ ...s, seq: 100, ack: 2, flags: SYN | ACK }),
    tcpPacket({ ...c, seq: 2, ack: 101, flags: ACK }),
    tcpPacket({ ...c, seq: 2, ack: 101, flags: PSH | ACK, payload: text }),
    tcpPacket({ ...s, seq: 101, ack: 2 + text.length, flags: RST | ACK }),
  ];
  const w = new PcapWriter({ linkType: 101 });
  const parts = [w.header(), ...pkts.map((p, i) => w.record(1_700_000_000, i * 1000, p))];
  return concat(parts);
}

beforeAll(async () => {
  h = await open();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('hostile strings from captures', () => {
  it('render as text in the capture board, the findings and the packet detail, and run nothing', async () => {
    await h.page.waitForSelector('[data-testid="dropzone"]');
    await dropFiles(h.page, '[data-testid="dropzone"]', [{ name: `${DEVICE}_receive.pcap`, bytes: capture() }]);
    await h.page.waitForSelector('.finding[data-kind="rst"]', { timeout: 30_000 });
    const body = (await h.page.textContent('body')) ?? '';
    expect(body).toContain(DEVICE);
    // The payload, in the packet detail's hex dump (ASCII column).
    await h.page.locator('.finding[data-kind="rst"]').first().click();
    await h.page.click('[data-tab="packets"]');
    const row = h.page.locator('.ag-row').filter({ hasText: 'PSH' }).first();
    await row.click();
    const dump = h.page.locator('[data-testid="hexdump"]');
    await dump.waitFor({ timeout: 10_000 });
    // The ASCII column shows 16 bytes a line: the payload's markup arrives in pieces, as text.
    const dumpText = (await dump.textContent()) ?? '';
    for (const piece of ['GET /<sc', 'ript>window.__pw', 'ned=1</script>']) expect(dumpText).toContain(piece);
    expect(await h.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await h.page.locator('img[src="x"]').count()).toBe(0);
    expect(await h.page.locator('body script').count()).toBe(0);
    await shot(h.page, '20-hostile-strings');
    expect(foreignRequests(h)).toEqual([]);
  });
});
