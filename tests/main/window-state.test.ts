import { describe, expect, it } from 'vitest';
import { addRecent, defaultState, MAX_RECENT, MIN_SIZE, parseState, serializeState, visibleBounds } from '../../main/window-state.ts';

describe('window size and recent files are remembered', () => {
  it('round-trips through the state file', () => {
    const s = defaultState();
    s.window = { x: 100, y: 80, width: 1500, height: 950, maximized: true };
    s.recent = ['/cases/a/PA-VM-1_receive.pcap'];
    expect(parseState(serializeState(s))).toEqual(s);
  });

  it('a missing, damaged or hostile file gives the defaults', () => {
    expect(parseState(null)).toEqual(defaultState());
    expect(parseState('{not json')).toEqual(defaultState());
    expect(parseState('[]')).toEqual(defaultState());
    const odd = parseState(JSON.stringify({ window: { width: 'big', height: 5 }, recent: [1, null, 'ok.pcap', ''] }));
    expect(odd.window.width).toBe(defaultState().window.width);
    expect(odd.recent).toEqual(['ok.pcap']);
  });

  it('clamps a tiny window to the minimum size', () => {
    const s = parseState(JSON.stringify({ window: { width: 10, height: 10 } }));
    expect(s.window.width).toBe(MIN_SIZE.width);
    expect(s.window.height).toBe(MIN_SIZE.height);
  });

  it('puts reopened files first, without duplicates, keeping at most ten', () => {
    let r: string[] = [];
    for (let i = 0; i < 12; i++) r = addRecent(r, [`/f${i}.pcap`]);
    expect(r.length).toBe(MAX_RECENT);
    expect(r[0]).toBe('/f11.pcap');
    r = addRecent(r, ['/f5.pcap']);
    expect(r[0]).toBe('/f5.pcap');
    expect(r.filter((p) => p === '/f5.pcap').length).toBe(1);
    expect(addRecent([], ['/a.pcap', '/b.pcap'])).toEqual(['/a.pcap', '/b.pcap']);
  });

  it('drops a saved position on a monitor that is gone and shrinks to the screen', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1050 }];
    expect(visibleBounds({ x: 3000, y: 100, width: 1400, height: 900 }, screen)).toEqual({ width: 1400, height: 900 });
    expect(visibleBounds({ x: 100, y: 100, width: 1400, height: 900 }, screen)).toEqual({ x: 100, y: 100, width: 1400, height: 900 });
    expect(visibleBounds({ width: 4000, height: 3000 }, screen)).toEqual({ width: 1920, height: 1050 });
  });
});
