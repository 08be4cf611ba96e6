/** Text forms of addresses, endpoints and times as users and tshark write them. */

export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

export function ipv4FromU32(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952: lower case, leading zeros dropped, the longest run (>= 2) of zero groups as "::". */
export function ipv6Text(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[o + 2 * i] << 8) | b[o + 2 * i + 1]);
  // IPv4-mapped addresses keep the dotted quad (RFC 5952 5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4Text(b, o + 12)}`;
  }
  return ipv6Groups(g);
}

/** Eight 16-bit groups as RFC 5952 text: lower case, the longest (first on ties) run of >= 2 zero groups as "::". */
export function ipv6Groups(g: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function macText(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + b[o + i].toString(16).padStart(2, '0');
  return s;
}

export function hexBytes(b: Uint8Array, o: number, n: number): string {
  let s = '0x';
  for (let i = 0; i < n; i++) s += b[o + i].toString(16).padStart(2, '0');
  return s;
}

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** `ip:port`, IPv6 as `[addr]:port`. */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** Seconds + nanoseconds as tshark's frame.time_epoch ("1700950921.123456789"). */
export function epochText(sec: number, nsec: number): string {
  if (sec < 0 && nsec > 0) {
    // -1.5 s is stored as sec -2, nsec 500000000.
    const s = sec + 1;
    const n = 1_000_000_000 - nsec;
    return `${s === 0 ? '-0' : s}.${String(n).padStart(9, '0')}`;
  }
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** ISO-8601 UTC with nanoseconds: 2023-11-25T22:22:01.123456789Z. */
export function isoText(sec: number, nsec: number): string {
  const days = Math.floor(sec / 86400);
  let s = sec - days * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  const p2 = (v: number) => (v < 10 ? `0${v}` : `${v}`);
  return `${isoDate(days)}${p2(hh)}:${p2(mm)}:${p2(s)}.${String(nsec).padStart(9, '0')}Z`;
}

/** "YYYY-MM-DDT" of a day since the epoch (H. Hinnant's civil-from-days: no Date object per call). */
export function isoDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p2 = (v: number) => (v < 10 ? `0${v}` : `${v}`);
  const ys = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  return `${ys}-${p2(m)}-${p2(d)}T`;
}
