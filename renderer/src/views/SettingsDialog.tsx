import { useState } from 'react';
import { useAppState, useSession } from '../state/hooks.ts';
import { DEFAULT_SETTINGS, SETTING_LABELS, SETTING_RANGES, type Settings } from '../../../shared/engine/settings.ts';
import { Dialog } from './Dialog.tsx';
import { Segmented } from './TopBar.tsx';

const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

export function SettingsDialog() {
  const s = useAppState();
  const session = useSession();
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(KEYS.map((k) => [k, String(s.settings[k])])));
  const errors: Partial<Record<keyof Settings, string>> = {};
  for (const k of KEYS) {
    const v = Number(draft[k]);
    const [lo, hi] = SETTING_RANGES[k];
    if (draft[k].trim() === '' || !Number.isFinite(v) || v < lo || v > hi) errors[k] = `${lo}–${hi} s`;
  }
  const valid = Object.keys(errors).length === 0;
  const apply = () => {
    if (!valid) return;
    const next = { ...s.settings };
    for (const k of KEYS) next[k] = Number(draft[k]);
    session.setSettings(next);
    session.openDialog(null);
  };
  return (
    <Dialog
      title="Settings"
      onClose={() => session.openDialog(null)}
      footer={
        <>
          <button className="quiet" onClick={() => setDraft(Object.fromEntries(KEYS.map((k) => [k, String(DEFAULT_SETTINGS[k])])))}>
            Restore defaults
          </button>
          <span className="spacer" />
          <button onClick={() => session.openDialog(null)}>Cancel</button>
          <button className="primary" onClick={apply} disabled={!valid} data-testid="settings-apply">
            Apply
          </button>
        </>
      }
    >
      <form
        className="settings"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <h3>Display</h3>
        <div className="settings-row">
          <span>Time zone</span>
          <Segmented value={s.prefs.zone} label="Time zone" options={[['utc', 'UTC'], ['local', 'Local time']]} onChange={(zone) => session.setPrefs({ zone })} />
        </div>
        <div className="settings-row">
          <span>Times</span>
          <Segmented value={s.prefs.timeMode} label="Times" options={[['absolute', 'Clock time'], ['relative', 'Seconds since first packet']]} onChange={(timeMode) => session.setPrefs({ timeMode })} />
        </div>
        <div className="settings-row">
          <span>Theme</span>
          <Segmented value={s.prefs.theme} label="Theme" options={[['dark', 'Dark'], ['light', 'Light']]} onChange={(theme) => session.setPrefs({ theme })} />
        </div>
        <h3>Timers (seconds)</h3>
        <p className="muted small">Defaults are AWS GWLB and PAN-OS defaults. Changing a timer re-runs the analysis; the captures are not read again.</p>
        <div className="timer-grid">
          {KEYS.map((k) => (
            <label key={k} className={errors[k] ? 'invalid' : ''}>
              <span>{SETTING_LABELS[k]}</span>
              <input
                type="number"
                inputMode="numeric"
                min={SETTING_RANGES[k][0]}
                max={SETTING_RANGES[k][1]}
                value={draft[k]}
                data-setting={k}
                onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
              />
              <small>{errors[k] ?? (Number(draft[k]) !== DEFAULT_SETTINGS[k] ? `default ${DEFAULT_SETTINGS[k]}` : '')}</small>
            </label>
          ))}
        </div>
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
