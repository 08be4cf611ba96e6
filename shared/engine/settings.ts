/**
 * Timers the rules use, in seconds, with PAN-OS and AWS GWLB defaults (docs/domain.md).
 * Set from a settings file (JSON, camelCase or flag names) and CLI flags (`--tcp-half-closed 60`).
 */
export interface Settings {
  /** AWS GWLB TCP idle timeout (350 s; configurable 60-6000 since 2024). */
  gwlbIdleTimeout: number;
  /** AWS GWLB idle timeout for non-TCP flows. */
  gwlbUdpTimeout: number;
  tcpTimeout: number;
  tcpHandshake: number;
  tcpInit: number;
  tcpHalfClosed: number;
  tcpTimeWait: number;
  /** Older PAN-OS releases: one "TCP wait" timer after a FIN. */
  tcpWait: number;
  unverifiedRst: number;
  udpTimeout: number;
  icmpTimeout: number;
  discardTcp: number;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  gwlbIdleTimeout: 350,
  gwlbUdpTimeout: 120,
  tcpTimeout: 3600,
  tcpHandshake: 10,
  tcpInit: 5,
  tcpHalfClosed: 120,
  tcpTimeWait: 15,
  tcpWait: 30,
  unverifiedRst: 30,
  udpTimeout: 30,
  icmpTimeout: 6,
  discardTcp: 90,
});

/** Allowed range of each setting. */
export const SETTING_RANGES: Record<keyof Settings, [number, number]> = {
  gwlbIdleTimeout: [60, 6000],
  gwlbUdpTimeout: [1, 6000],
  tcpTimeout: [1, 15999999],
  tcpHandshake: [1, 60],
  tcpInit: [1, 60],
  tcpHalfClosed: [1, 604800],
  tcpTimeWait: [1, 600],
  tcpWait: [1, 600],
  unverifiedRst: [1, 600],
  udpTimeout: [1, 1599999],
  icmpTimeout: [1, 1599999],
  discardTcp: [1, 15999999],
};

export const SETTING_LABELS: Record<keyof Settings, string> = {
  gwlbIdleTimeout: 'GWLB TCP idle timeout',
  gwlbUdpTimeout: 'GWLB non-TCP idle timeout',
  tcpTimeout: 'PAN-OS TCP timeout',
  tcpHandshake: 'PAN-OS TCP handshake timeout',
  tcpInit: 'PAN-OS TCP init timeout',
  tcpHalfClosed: 'PAN-OS TCP half-closed timeout',
  tcpTimeWait: 'PAN-OS TCP time-wait timeout',
  tcpWait: 'PAN-OS legacy TCP wait timeout',
  unverifiedRst: 'PAN-OS unverified RST timeout',
  udpTimeout: 'PAN-OS UDP timeout',
  icmpTimeout: 'PAN-OS ICMP timeout',
  discardTcp: 'PAN-OS discard TCP timeout',
};

const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

function flagName(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** CLI flag names: --gwlb-idle-timeout, --tcp-half-closed, ... */
export const SETTING_FLAGS: string[] = KEYS.map(flagName);

/** Merges values (camelCase or flag-name keys, numbers or numeric strings) into base; throws with a clear message. */
export function parseSettings(obj: unknown, base: Settings, source: string): Settings {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`${source}: settings must be a JSON object`);
  }
  const out = { ...base };
  for (const [rawKey, raw] of Object.entries(obj as Record<string, unknown>)) {
    const key = KEYS.find((k) => k === rawKey || flagName(k) === rawKey);
    if (!key) throw new Error(`${source}: unknown setting "${rawKey}" (known: ${SETTING_FLAGS.join(', ')})`);
    const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    const [lo, hi] = SETTING_RANGES[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      throw new Error(`${source}: ${flagName(key)} must be a number of seconds from ${lo} to ${hi}, got ${JSON.stringify(raw)}`);
    }
    out[key] = v;
  }
  return out;
}
