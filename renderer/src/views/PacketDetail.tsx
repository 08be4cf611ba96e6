import { useEffect, useState } from 'react';
import { useAppState, useSession } from '../state/hooks.ts';
import { readPacketDetail, type PacketDetail as Detail } from '../engine/detail.ts';
import { packetRow } from '../util/packets.ts';
import { formatDateTime } from '../util/time.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { packetKey } from '../state/case.ts';

/** Decoded layers as a tree and a hex dump of the selected packet. */
export function PacketDetail() {
  const s = useAppState();
  const session = useSession();
  const a = s.analysis;
  const sel = s.selectedPacket;
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hl, setHl] = useState<number>(-1);
  const kase = useCaseController();
  const { notes } = useCase();

  useEffect(() => {
    setDetail(null);
    setError(null);
    setHl(-1);
    if (!a || !sel) return;
    const e = a.entries[sel.pos];
    if (!e?.ix || !e.header) return;
    let live = true;
    readPacketDetail(e.source, e.header, e.ix.fileOffset[sel.row], e.ix.wireLen[sel.row], sel.row).then(
      (d) => live && setDetail(d),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [a, sel]);

  if (!a || !sel) return null;
  const pr = packetRow(a, sel.pos, sel.row);
  const tf = session.timeFormat();
  const layer = detail && hl >= 0 ? detail.layers[hl] : null;
  return (
    <aside className="panel detail" aria-label="Packet detail" data-testid="packet-detail">
      <header className="panel-head">
        <h2>Packet</h2>
        <span className="muted small">
          {pr.device} · {pr.stage} · frame {pr.frame}
        </span>
        <span className="spacer" />
        <button
          className="quiet small-btn"
          data-testid="note-packet"
          title="Add a note on this packet (kept in the case; a packet comment in the merged pcapng)"
          onClick={() => kase.openNote({ kind: 'packet', path: a.entries[sel.pos].source.path, frame: sel.row + 1 })}
        >
          ✎ Note
        </button>
        <button className="icon" aria-label="Close packet detail" onClick={() => session.selectPacket(null)}>
          ×
        </button>
      </header>
      <div className="detail-body">
        {(notes.byPacket.get(packetKey(a.entries[sel.pos].source.path, sel.row + 1)) ?? []).map((n) => (
          <p key={n.id} className="note-inline" data-note={n.id}>
            <span aria-hidden="true">✎ </span>
            {n.text}
          </p>
        ))}
        <div className="detail-summary">
          <div className="mono">{formatDateTime(pr.timeNs, tf, 9)}</div>
          <div className="mono">
            {pr.src} → {pr.dst}
          </div>
          <div>
            {pr.proto.toUpperCase()} {pr.flags} · len {pr.len}
            {pr.verdict && <span className={`verdict v-${pr.verdict.replace(/\s+/g, '-')}`}>{pr.verdict}</span>}
          </div>
        </div>
        {error && <p className="err">Could not read the packet: {error}</p>}
        {!detail && !error && <p className="muted">Reading…</p>}
        {detail && (
          <>
            <div className="tree" role="tree">
              <details open>
                <summary>
                  Frame {detail.frame}: {detail.origLen} bytes on wire, {detail.capLen} captured
                </summary>
                <ul>
                  {detail.frameFields.map((f, i) => (
                    <li key={i}>
                      <span className="fname">{f.name}</span> <span className="fval">{f.value}</span>
                    </li>
                  ))}
                </ul>
              </details>
              {detail.layers.map((l, i) => (
                <details key={i} open={i >= detail.layers.length - 2 || l.name.includes('GENEVE')} onMouseEnter={() => setHl(i)} onMouseLeave={() => setHl(-1)}>
                  <summary className={hl === i ? 'hl' : ''}>
                    {l.name} <span className="muted small">[{l.start}–{l.end})</span>
                  </summary>
                  <ul>
                    {l.fields.map((f, k) => (
                      <li key={k}>
                        <span className="fname">{f.name}</span> <span className="fval">{f.value}</span>
                      </li>
                    ))}
                  </ul>
                </details>
              ))}
              {detail.malformed && <p className="err small">Malformed: {detail.malformed}</p>}
            </div>
            <HexDump bytes={detail.bytes} from={layer ? layer.start : -1} to={layer ? layer.end : -1} />
          </>
        )}
      </div>
    </aside>
  );
}

function HexDump({ bytes, from, to }: { bytes: Uint8Array; from: number; to: number }) {
  const lines = [];
  const n = Math.min(bytes.length, 64 * 1024);
  for (let o = 0; o < n; o += 16) {
    const hex = [];
    const asc = [];
    for (let i = 0; i < 16; i++) {
      const k = o + i;
      const inHl = k >= from && k < to;
      if (k < n) {
        const b = bytes[k];
        hex.push(
          <span key={i} className={inHl ? 'hb hl' : 'hb'}>
            {b.toString(16).padStart(2, '0')}
          </span>,
        );
        asc.push(
          <span key={i} className={inHl ? 'hl' : ''}>
            {b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'}
          </span>,
        );
      } else hex.push(<span key={i} className="hb"> {'  '}</span>);
    }
    lines.push(
      <div key={o} className="hexline">
        <span className="hoff">{o.toString(16).padStart(4, '0')}</span>
        <span className="hbytes">{hex}</span>
        <span className="hasc">{asc}</span>
      </div>,
    );
  }
  return (
    <div className="hexdump mono" aria-label="Hex dump" data-testid="hexdump">
      {lines}
    </div>
  );
}
