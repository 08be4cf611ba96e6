/**
 * Window size/position and recent files, remembered between runs in one JSON file in userData.
 * Parsing never throws: a missing or damaged file gives the defaults.
 */
export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface AppState {
  window: Bounds & { maximized: boolean };
  recent: string[];
}

export const DEFAULT_BOUNDS = { width: 1440, height: 900 } as const;
export const MIN_SIZE = { width: 960, height: 600 } as const;
export const MAX_RECENT = 10;

export function defaultState(): AppState {
  return { window: { ...DEFAULT_BOUNDS, maximized: false }, recent: [] };
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined;
}

/** The state in a JSON text (the defaults for anything missing or wrong). */
export function parseState(text: string | null | undefined): AppState {
  const s = defaultState();
  if (!text) return s;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return s;
  }
  if (typeof obj !== 'object' || obj === null) return s;
  const o = obj as Record<string, unknown>;
  const w = (typeof o.window === 'object' && o.window !== null ? o.window : {}) as Record<string, unknown>;
  const width = int(w.width);
  const height = int(w.height);
  if (width !== undefined && height !== undefined) {
    s.window.width = Math.max(MIN_SIZE.width, Math.min(width, 16384));
    s.window.height = Math.max(MIN_SIZE.height, Math.min(height, 16384));
    const x = int(w.x);
    const y = int(w.y);
    if (x !== undefined && y !== undefined) {
      s.window.x = x;
      s.window.y = y;
    }
  }
  s.window.maximized = w.maximized === true;
  if (Array.isArray(o.recent)) {
    s.recent = o.recent.filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length < 4096).slice(0, MAX_RECENT);
  }
  return s;
}

export function serializeState(s: AppState): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** Puts paths at the front of the recent list (newest first, no duplicates, at most MAX_RECENT). */
export function addRecent(recent: readonly string[], paths: readonly string[]): string[] {
  const front = [...new Set(paths)];
  const out = [...front, ...recent.filter((p) => !front.includes(p))];
  return out.slice(0, MAX_RECENT);
}

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Bounds that are visible on one of the displays' work areas: a saved position on a monitor that
 * is gone is dropped (the window is centred), a size larger than the display is shrunk.
 */
export function visibleBounds(saved: Bounds, workAreas: readonly Area[]): Bounds {
  const primary = workAreas[0];
  let width = saved.width;
  let height = saved.height;
  if (primary) {
    width = Math.min(width, primary.width);
    height = Math.min(height, primary.height);
  }
  if (saved.x === undefined || saved.y === undefined) return { width, height };
  const x = saved.x;
  const y = saved.y;
  // Visible: at least 100 x 50 px of the title bar region on some display.
  const onScreen = workAreas.some(
    (a) => x + width - 100 >= a.x && x + 100 <= a.x + a.width && y >= a.y - 10 && y + 50 <= a.y + a.height,
  );
  if (!onScreen) return { width, height };
  return { x, y, width, height };
}
