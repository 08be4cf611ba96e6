import { useState } from 'react';
import { STAGES, type CaptureSummary, type Stage } from '../../../shared/api/analysis.ts';
import { useAppState, useSession } from '../state/hooks.ts';
import type { CaptureEntry } from '../state/session.ts';
import { formatBytes, formatCount, formatDateTime, isoToNs, type TimeFormat } from '../util/time.ts';

const STAGE_ORDER: Record<string, number> = { receive: 0, firewall: 1, transmit: 2, drop: 3, unknown: 4 };

/** One row per file, grouped by device; device/stage editable; a clock offset per device. */
export function CaptureBoard() {
  const s = useAppState();
  const session = useSession();
  const [collapsed, setCollapsed] = useState(false);
  const groups = new Map<string, CaptureEntry[]>();
  for (const c of s.captures) {
    const g = groups.get(c.device);
    if (g) g.push(c);
    else groups.set(c.device, [c]);
  }
  const devices = [...groups.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const summaries = new Map((s.analysis?.result.captures ?? []).map((c) => [c.path, c]));
  const tf = session.timeFormat();
  const estimates = new Map((s.analysis?.result.clockEstimates ?? []).map((e) => [e.device, e]));
  const busy = s.captures.some((c) => c.status === 'indexing' || c.status === 'queued');
  return (
    <section className={`panel board ${collapsed ? 'collapsed' : ''}`} aria-label="Captures">
      <header className="panel-head">
        <button className="disclosure" onClick={() => setCollapsed(!collapsed)} aria-expanded={!collapsed}>
          <span className="chev">{collapsed ? '▸' : '▾'}</span> Captures
        </button>
        <span className="muted">
          {s.captures.length} files on {devices.length} device{devices.length === 1 ? '' : 's'}
        </span>
        <span className="spacer" />
        {busy && (
          <button className="quiet" onClick={() => session.cancelAll()}>
            Cancel reading
          </button>
        )}
      </header>
      {!collapsed && (
        <div className="board-scroll">
          <table className="board-table">
            <thead>
              <tr>
                <th style={{ width: '26%' }}>File</th>
                <th style={{ width: '13%' }}>Device</th>
                <th style={{ width: '9%' }}>Stage</th>
                <th>Format</th>
                <th className="num">Packets</th>
                <th className="num">Size</th>
                <th>Time range</th>
                <th>Status</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            {devices.map((dev) => {
              const rows = groups.get(dev)!.slice().sort((a, b) => (STAGE_ORDER[a.stage] ?? 9) - (STAGE_ORDER[b.stage] ?? 9));
              const est = estimates.get(dev);
              return (
                <tbody key={dev} data-device={dev}>
                  <tr className="group-row">
                    <td colSpan={9}>
                      <span className="device-name">{dev}</span>
                      <label className="offset" title="Added to every timestamp of this device's captures">
                        clock offset
                        <OffsetInput device={dev} value={s.clockOffsets[dev] ?? 0} />s
                      </label>
                      {est && Math.abs(est.offsetSeconds) > 0.0005 && (
                        <span className="hint">
                          estimated {est.offsetSeconds > 0 ? '+' : ''}
                          {est.offsetSeconds.toFixed(3)} s vs {est.relativeTo} ({est.samples} packets)
                          <button className="link" onClick={() => session.setClockOffset(dev, Number((-est.offsetSeconds).toFixed(6)))}>
                            apply
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                  {rows.map((c) => {
                    const range = timeRange(c, summaries.get(c.source.path), s.analysis?.extras.baseSec, (s.clockOffsets[c.device] ?? 0) * 1e9, tf);
                    return (
                      <tr key={c.id} data-capture={c.source.name}>
                        <td className="file" title={c.source.path}>
                          {c.source.name}
                        </td>
                        <td>
                          <input className="cell-input" aria-label={`Device of ${c.source.name}`} defaultValue={c.device} key={c.device} onBlur={(e) => e.target.value.trim() !== c.device && session.setLabel(c.id, { device: e.target.value })} onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()} />
                        </td>
                        <td>
                          <select className="cell-input" aria-label={`Stage of ${c.source.name}`} value={c.stage} onChange={(e) => session.setLabel(c.id, { stage: e.target.value as Stage })}>
                            {STAGES.map((st) => (
                              <option key={st} value={st}>
                                {st}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td className="muted">{c.ix?.format ?? (c.status === 'done' ? '?' : '')}</td>
                        <td className="num">{formatCount(c.packets)}</td>
                        <td className="num">{formatBytes(c.source.size)}</td>
                        <td className="mono small">{range}</td>
                        <td className="status-cell">
                          <Status c={c} />
                        </td>
                        <td className="row-actions">
                          {c.status === 'indexing' || c.status === 'queued' ? (
                            <button className="link" onClick={() => session.cancel(c.id)}>
                              Cancel
                            </button>
                          ) : (
                            <button className="link quiet" onClick={() => session.remove(c.id)} aria-label={`Remove ${c.source.name}`} title="Remove this file">
                              ×
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              );
            })}
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * A file's first and last packet time: from the analysis (on its common clock, relative times
 * too), else from the file's own index (wall-clock times: an analysis refused or failed, or not
 * made yet).
 */
function timeRange(c: CaptureEntry, sum: CaptureSummary | undefined, baseSec: number | undefined, offNs: number, tf: TimeFormat): string {
  let first: number;
  let last: number;
  if (sum?.first && sum.last && baseSec !== undefined) {
    first = isoToNs(sum.first, baseSec);
    last = isoToNs(sum.last, baseSec);
  } else if (c.ix && c.ix.packets > 0) {
    tf = { ...tf, mode: 'absolute', baseSec: c.ix.baseSec };
    first = c.ix.firstNs;
    last = c.ix.lastNs;
  } else return '';
  return `${formatDateTime(first + offNs, tf)} – ${formatDateTime(last + offNs, tf).slice(-12)}`;
}

function Status({ c }: { c: CaptureEntry }) {
  if (c.status === 'indexing' || c.status === 'queued') {
    const pct = c.source.size ? Math.min(100, (100 * c.bytesRead) / c.source.size) : 0;
    return (
      <span className="progress" title={c.grouping ? `All ${formatCount(c.packets)} packets read; grouping them by flow` : `${formatBytes(c.bytesRead)} of ${formatBytes(c.source.size)}, ${formatCount(c.packets)} packets`}>
        <span className="bar">
          <span style={{ width: `${pct}%` }} />
        </span>
        <span className="small muted">{c.status === 'queued' ? 'queued' : c.grouping ? 'grouping' : `${pct.toFixed(0)}%`}</span>
      </span>
    );
  }
  if (c.status === 'cancelled') return <span className="muted">cancelled</span>;
  if (c.status === 'error' || c.error) {
    return (
      <span className="err" title={c.error}>
        {c.status === 'error' ? 'error: ' : 'warning: '}
        {c.error}
      </span>
    );
  }
  if (c.ix && c.ix.malformed > 0) return <span className="warn">{formatCount(c.ix.malformed)} malformed</span>;
  return <span className="ok">ok</span>;
}

function OffsetInput({ device, value }: { device: string; value: number }) {
  const session = useSession();
  const [text, setText] = useState(String(value));
  const [bad, setBad] = useState(false);
  const commit = () => {
    const v = Number(text.trim() === '' ? '0' : text);
    if (!Number.isFinite(v) || Math.abs(v) > 86400 * 365) {
      setBad(true);
      return;
    }
    setBad(false);
    if (v !== value) session.setClockOffset(device, v);
  };
  return (
    <input
      className={`cell-input offset-input ${bad ? 'invalid' : ''}`}
      aria-label={`Clock offset of ${device} in seconds`}
      data-offset={device}
      inputMode="decimal"
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}
