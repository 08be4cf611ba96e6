/**
 * How many packets the app may hold. Its index keeps ~95 bytes a packet in memory (the columns
 * the grid, timeline and exports read, and the rows grouped by flow; docs/performance.md,
 * "Thirteenth session": the 10 GB set) for as long as the capture is open, so a big enough set
 * would take the machine's memory and the page would crash, losing what was not saved. The app
 * stops reading a capture before the open ones need more than half the machine's memory, and
 * says so on the capture's row (docs/decisions.md, "The app's packets have a memory budget").
 */
import { formatCount } from '../util/time.ts';

/** Bytes a packet costs the app, rounded up from the ~95 measured. */
export const APP_BYTES_PER_PACKET = 100;
/** Share of the machine's memory the open captures' packets may take. */
export const MEMORY_SHARE = 0.5;
/**
 * A file's packets are projected from its packets per byte once this much of it is read (a few
 * MB are no sample: a capture may start with small packets); before that only those read count.
 */
export const PROJECT_AFTER_BYTES = 64 << 20;

const GB = 1 << 30;

/**
 * The machine's memory in bytes: the desktop app's main process says (os.totalmem); a browser
 * gives navigator.deviceMemory (GB, which Chromium rounds down and caps at 8); else 8 GB.
 */
export function machineMemory(desktopBytes?: number): number {
  if (desktopBytes && desktopBytes > 0) return desktopBytes;
  const dm = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory;
  return (typeof dm === 'number' && dm > 0 ? dm : 8) * GB;
}

export function packetBudget(memoryBytes: number): number {
  return Math.floor((memoryBytes * MEMORY_SHARE) / APP_BYTES_PER_PACKET);
}

/** What the budget looks at of a capture (a CaptureEntry). */
export interface Holding {
  id: number;
  status: string;
  packets: number;
  bytesRead: number;
  source: { size: number };
}

/** The packets a capture holds, or will once read (projected from its packets per byte so far). */
export function projectedPackets(c: Holding): number {
  if (c.status === 'done') return c.packets;
  if (c.status !== 'indexing') return 0;
  if (c.bytesRead < Math.min(c.source.size, PROJECT_AFTER_BYTES)) return c.packets;
  return Math.max(c.packets, Math.ceil((c.packets * c.source.size) / Math.max(1, c.bytesRead)));
}

/**
 * The capture to stop so that the open captures fit `budget` packets, or null when they fit:
 * the last added of those being read (the files opened first keep their place). A capture
 * already read is never taken back.
 */
export function captureToStop(captures: readonly Holding[], budget: number): Holding | null {
  let total = 0;
  let last: Holding | null = null;
  for (const c of captures) {
    total += projectedPackets(c);
    if (c.status === 'indexing') last = c;
  }
  return total > budget ? last : null;
}

/** The message on a capture stopped for the budget. */
export function budgetMessage(c: Holding, others: readonly Holding[], memoryBytes: number): string {
  const mine = projectedPackets(c);
  let rest = 0;
  for (const o of others) if (o.id !== c.id) rest += projectedPackets(o);
  const gb = (b: number) => `${(b / GB).toFixed(b < 10 * GB ? 1 : 0)} GB`;
  const need = (mine + rest) * APP_BYTES_PER_PACKET;
  return (
    `too big for this machine's memory: with its ~${formatCount(mine)} packets` +
    (rest ? ` and the ${formatCount(rest)} of the other captures` : '') +
    `, the app would need ~${gb(need)} (~${APP_BYTES_PER_PACKET} bytes a packet), more than the ${gb(memoryBytes * MEMORY_SHARE)} it allows itself, half of this machine's ${gb(memoryBytes)}. ` +
    `Not read: stopped at offset ${c.bytesRead} of ${c.source.size} bytes. ` +
    'Close other captures, cut this one (editcap -A/-B), or analyse the set with the command line (stagediff analyze), which needs about half as much a packet.'
  );
}
