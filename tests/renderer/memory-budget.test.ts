/**
 * The packets' memory budget (renderer/src/state/memory-budget.ts): which capture the app stops
 * reading, and from when it projects a file's packets. The browser end to end is in
 * tests/e2e/memory-budget.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { captureToStop, machineMemory, packetBudget, projectedPackets, PROJECT_AFTER_BYTES, type Holding } from '../../renderer/src/state/memory-budget.ts';

const MB = 1 << 20;
const cap = (id: number, status: string, packets: number, bytesRead: number, size: number): Holding => ({ id, status, packets, bytesRead, source: { size } });

describe('memory budget', () => {
  it('half the machine at 100 bytes a packet', () => {
    expect(packetBudget(16 * 1024 * MB)).toBe(85_899_345);
    expect(machineMemory(24 * 1024 * MB)).toBe(24 * 1024 * MB);
  });

  it('projects a file from its packets per byte only once 64 MiB of it is read', () => {
    // 1 MB read of 10 GB: the packets read, not a projection from a sample that small.
    expect(projectedPackets(cap(1, 'indexing', 1000, MB, 10_000 * MB))).toBe(1000);
    expect(projectedPackets(cap(1, 'indexing', 64_000, PROJECT_AFTER_BYTES, 10 * PROJECT_AFTER_BYTES))).toBe(640_000);
    // A small file read whole is its packets.
    expect(projectedPackets(cap(1, 'indexing', 500, 2 * MB, 2 * MB))).toBe(500);
    expect(projectedPackets(cap(1, 'done', 500, 2 * MB, 2 * MB))).toBe(500);
    for (const s of ['queued', 'error', 'cancelled']) expect(projectedPackets(cap(1, s, 500, MB, 2 * MB))).toBe(0);
  });

  it('stops the last added of the files being read, never one already read', () => {
    const read = cap(1, 'done', 900, 90 * MB, 90 * MB);
    const first = cap(2, 'indexing', 100, 100 * MB, 200 * MB); // 200 projected
    const second = cap(3, 'indexing', 50, 100 * MB, 400 * MB); // 200 projected
    const waiting = cap(4, 'queued', 0, 0, 1000 * MB);
    expect(captureToStop([read, first, second, waiting], 1300)).toBeNull();
    expect(captureToStop([read, first, second, waiting], 1299)).toBe(second);
    // Over budget with only files already read: nothing to stop.
    expect(captureToStop([read], 10)).toBeNull();
  });
});
