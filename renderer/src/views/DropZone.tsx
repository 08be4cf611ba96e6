import type { Commands } from './App.tsx';

export function DropZone({ run }: { run: Commands['run'] }) {
  return (
    <main className="first-start">
      <div className="dropzone" data-testid="dropzone">
        <div className="dz-icon" aria-hidden="true">
          <svg width="44" height="44" viewBox="0 0 44 44" fill="none" stroke="currentColor" strokeWidth="1.6">
            <rect x="7" y="5" width="30" height="34" rx="3" />
            <path d="M13 14h18M13 20h18M13 26h10" />
            <path d="M30 26v10M25 31l5 5 5-5" />
          </svg>
        </div>
        <h1>Drop packet captures here</h1>
        <p className="lead">
          Captures from several firewalls and capture stages (pcap, pcapng). stagediff lines them up and shows where each TCP session went.
        </p>
        <div className="dz-actions">
          <button className="primary" onClick={() => run('open-captures')}>
            Open captures…
          </button>
          <button onClick={() => run('open-sample')}>Open sample incident</button>
        </div>
        <dl className="dz-help">
          <dt>Naming</dt>
          <dd>
            Name files <code>DEVICE_STAGE.pcap</code>, e.g. <code>PA-VM-1_receive.pcap</code>, <code>fw2-tx.pcapng</code>. Device and stage are read from the name; you can change them after loading.
          </dd>
          <dt>Stages</dt>
          <dd>receive, firewall, transmit, drop (PAN-OS packet capture stages)</dd>
          <dt>Privacy</dt>
          <dd>Everything runs on this machine. Nothing is uploaded.</dd>
        </dl>
      </div>
    </main>
  );
}
