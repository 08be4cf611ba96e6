import { useState } from 'react';
import { useAppState } from '../state/hooks.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { baseName } from '../state/case.ts';
import { bridge } from '../engine/source.ts';
import { Dialog } from './Dialog.tsx';

/**
 * Under the top bar: the restore offer (last autosave), the captures a case still waits for
 * (drop or pick them: recognised by sha256), and what is running (hashing, exporting).
 */
export function CaseBanner({ pickFiles }: { pickFiles: () => void }) {
  const c = useCase();
  const kase = useCaseController();
  if (c.offer) {
    const o = c.offer.case;
    const when = o.savedAt ? new Date(o.savedAt).toLocaleString() : 'earlier';
    return (
      <div className="case-banner" role="status" data-testid="restore-offer">
        <span className="cb-icon" aria-hidden="true">↺</span>
        <span>
          <b>Restore your last session?</b> “{o.title ?? 'incident'}”: {o.captures.length} capture{o.captures.length === 1 ? '' : 's'}, {o.annotations.length} note{o.annotations.length === 1 ? '' : 's'}, saved {when}.
          {!bridge() && o.captures.length > 0 && <span className="muted"> The browser keeps the case, not the files: you will drop them again (recognised by content).</span>}
        </span>
        <span className="spacer" />
        <button className="primary" onClick={() => void kase.restore()} data-testid="restore">
          Restore
        </button>
        <button className="quiet" onClick={() => kase.discardOffer()}>
          Discard
        </button>
      </div>
    );
  }
  if (c.pending) {
    const names = c.pending.missing.map((m) => baseName(m.path));
    return (
      <div className="case-banner" role="status" data-testid="pending-captures">
        <span className="cb-icon" aria-hidden="true">⇣</span>
        <span title={c.pending.missing.map((m) => `${m.path}\n  ${m.device} ${m.stage} · sha256 ${m.sha256}`).join('\n')}>
          <b>
            {names.length} capture{names.length === 1 ? '' : 's'} of “{c.pending.title}” {bridge() ? 'not found where the case says' : 'to load'}:
          </b>{' '}
          <span className="mono small">{names.slice(0, 4).join(', ')}{names.length > 4 ? `, +${names.length - 4} more` : ''}</span>
          <span className="muted"> · drop them anywhere or pick them; moved or renamed files are recognised by sha256.</span>
        </span>
        <span className="spacer" />
        <button className="primary" onClick={() => (bridge() ? void kase.locateElectron() : pickFiles())}>
          Locate files…
        </button>
        <button className="quiet" onClick={() => kase.dismissPending()}>
          Continue without
        </button>
      </div>
    );
  }
  if (c.busy) {
    return (
      <div className="case-banner busy" role="status" data-testid="busy">
        <span className="spinner" aria-hidden="true" />
        <span>{c.busy}</span>
      </div>
    );
  }
  return null;
}

/** A traffic log that does not name its firewall: which one wrote it? */
export function LogDeviceDialog() {
  const c = useCase();
  const s = useAppState();
  const kase = useCaseController();
  const devices = [...new Set(s.captures.map((x) => x.device))];
  const [device, setDevice] = useState(devices[0] ?? '');
  if (!c.askDevice) return null;
  const ask = c.askDevice;
  return (
    <Dialog
      title="Which firewall wrote this traffic log?"
      onClose={() => kase.cancelAskDevice()}
      footer={
        <>
          <span className="spacer" />
          <button onClick={() => kase.cancelAskDevice()}>Cancel</button>
          <button className="primary" onClick={() => kase.importTrafficLog(ask.name, ask.text, device)}>
            Import
          </button>
        </>
      }
    >
      <p>
        <span className="mono">{ask.name}</span> has no Device Name or Serial # column. Session IDs are per firewall, so the log is joined to one firewall&apos;s flows only.
      </p>
      <label className="settings-row">
        <span>Firewall</span>
        <select value={device} onChange={(e) => setDevice(e.target.value)} autoFocus>
          {devices.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
      </label>
    </Dialog>
  );
}
