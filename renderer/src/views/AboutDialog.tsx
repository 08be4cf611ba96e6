import { useEffect, useState } from 'react';
import { useSession } from '../state/hooks.ts';
import { bridge } from '../engine/source.ts';
import { Dialog } from './Dialog.tsx';

const KEYS: [string, string][] = [
  ['j / k', 'next / previous finding'],
  ['/ or Ctrl+F', 'focus the search box'],
  ['+ / - / 0', 'zoom the timeline in / out / fit the selection'],
  ['wheel, drag', 'zoom and pan the timeline'],
  ['Ctrl+O', 'open captures'],
  ['Ctrl+S', 'save case'],
  ['Esc', 'close a dialog, leave a text field'],
];

export function AboutDialog() {
  const session = useSession();
  const [info, setInfo] = useState<string>('browser');
  useEffect(() => {
    const b = bridge();
    if (b) void b.appInfo().then((i) => setInfo(`${i.name} ${i.version} · Electron ${i.electron} · Chromium ${i.chrome} · ${i.platform}`));
    else setInfo(`running in the browser (${navigator.userAgent.match(/Chrom(e|ium)\/[\d.]+/)?.[0] ?? 'browser'})`);
  }, []);
  return (
    <Dialog title="About stagediff" onClose={() => session.openDialog(null)}>
      <p>Aligns packet captures from several firewalls and capture stages and shows where each TCP session went: moved sessions, drops, timers.</p>
      <p className="muted">{info}</p>
      <h3>Keyboard</h3>
      <table className="keys">
        <tbody>
          {KEYS.map(([k, v]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
