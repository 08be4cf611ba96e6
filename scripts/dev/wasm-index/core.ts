// Dev prototype (AssemblyScript, not part of the product): the index's per-record work for the
// common GWLB shape in WebAssembly, to measure what a wasm core would give before porting the
// real one (docs/decisions.md, "The index's per-record core in WebAssembly").
// Per pcap record: Ethernet, IPv4, UDP/GENEVE with the AWS options, inner IPv4, TCP; the payload
// hash and signature word; the canonical flow key in an open-addressing table; per-flow counters
// and a cut-down TCP sequence state; four columns. Not the real semantics (no history letters,
// no Zeek endpoint states, no slow path): a measure of the cost, not a second indexer.
// Run: node scripts/dev/wasm-index/run.mjs FILE.pcap...
// Memory: [IN .. IN+INCAP) input chunk; columns; flow table; flow nums.
const IN: usize = 1 << 20;
const INCAP: usize = 16 << 20;
const COLS: usize = IN + INCAP;
const MAXP: usize = 4 << 20; // packets
const T: usize = COLS;                 // f64
const FLOW: usize = T + MAXP * 8;      // u32
const SIG: usize = FLOW + MAXP * 4;    // u32
const IPID: usize = SIG + MAXP * 4;    // i32
const FLAGS: usize = IPID + MAXP * 4;  // u8
const TABLE: usize = FLAGS + MAXP;     // i32 slots
const SLOTS: u32 = 1 << 20;
const KEYS: usize = TABLE + (SLOTS as usize) * 4; // 10 u32 per flow
const MAXF: usize = 1 << 19;
const NUMS: usize = KEYS + MAXF * 40;  // 32 f64 per flow
export const MEMORY_END: usize = NUMS + MAXF * 256;

let n: u32 = 0;
let flows: u32 = 0;
let baseSec: f64 = NaN;
let malformed: u32 = 0;
let slow: u32 = 0;
const probe = new StaticArray<u32>(10);

@inline function be16(p: usize): u32 { return (<u32>load<u8>(p) << 8) | load<u8>(p + 1); }
@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }

export function reset(): void {
  n = 0; flows = 0; baseSec = NaN; malformed = 0; slow = 0;
  memory.fill(TABLE, 0xff, (SLOTS as usize) * 4);
}
export function packets(): u32 { return n; }
export function flowCount(): u32 { return flows; }
export function slowCount(): u32 { return slow; }

function lookup(): u32 {
  let h: u32 = 0x811c9dc5;
  for (let w = 0; w < 10; w++) h = (h ^ unchecked(probe[w])) * 0x01000193;
  let s = h & (SLOTS - 1);
  while (true) {
    const id = load<i32>(TABLE + (s as usize) * 4);
    if (id < 0) {
      const nid = flows++;
      store<i32>(TABLE + (s as usize) * 4, nid);
      const k = KEYS + (nid as usize) * 40;
      for (let w = 0; w < 10; w++) store<u32>(k + (w as usize) * 4, unchecked(probe[w]));
      const o = NUMS + (nid as usize) * 256;
      memory.fill(o, 0, 256);
      return nid | 0x80000000;
    }
    const k = KEYS + (id as usize) * 40;
    let eq = true;
    for (let w = 0; w < 10; w++) if (load<u32>(k + (w as usize) * 4) != unchecked(probe[w])) { eq = false; break; }
    if (eq) return id;
    s = (s + 1) & (SLOTS - 1);
  }
}

// One record: returns false when the shape is not the fast one.
function record(p: usize, capLen: u32, origLen: u32, sec: u32, frac: u32): void {
  const i = n++;
  if (baseSec != baseSec) baseSec = <f64>sec;
  const t = (<f64>sec - baseSec) * 1e9 + <f64>frac * 1000;
  store<f64>(T + (i as usize) * 8, t);
  let end = p + capLen;
  // Ethernet + IPv4 outer
  if (capLen < 34 || be16(p + 12) != 0x0800) { slow++; store<u32>(FLOW + (i as usize) * 4, 0xffffffff); return; }
  let ip = p + 14;
  if (load<u8>(ip) != 0x45) { slow++; return; }
  let total = be16(ip + 2);
  let proto = load<u8>(ip + 9);
  let src = ip + 12; let dst = ip + 16;
  let ipId = be16(ip + 4);
  let ipLen = total;
  let cookie: i64 = -1;
  let sport: u32 = 0, dport: u32 = 0;
  let tcpFlags: u32 = 0, seq: u32 = 0, ack: u32 = 0, len: u32 = 0, win: u32 = 0;
  let payOff: usize = 0, payCap: u32 = 0;
  let l4 = ip + 20;
  if (proto == 17) {
    sport = be16(l4); dport = be16(l4 + 2);
    if (sport == 6081 || dport == 6081) {
      const g = l4 + 8;
      const hdrEnd = g + 8 + ((load<u8>(g) & 0x3f) as usize) * 4;
      let q = g + 8;
      while (q < hdrEnd) {
        const olen = ((load<u8>(q + 3) & 0x1f) as usize) * 4;
        if (be16(q) == 0x0108 && load<u8>(q + 2) == 3 && olen >= 4) cookie = be32(q + 4);
        q += 4 + olen;
      }
      const type = be16(g + 2);
      let inner = hdrEnd;
      if (type == 0x6558) inner += 14;
      ip = inner;
      if (load<u8>(ip) != 0x45) { slow++; return; }
      total = be16(ip + 2); proto = load<u8>(ip + 9); src = ip + 12; dst = ip + 16; ipId = be16(ip + 4); ipLen = total;
      l4 = ip + 20;
    }
  }
  const ipEnd = ip + total;
  if (proto == 6) {
    const hl = (<u32>load<u8>(l4 + 12) >> 4) * 4;
    sport = be16(l4); dport = be16(l4 + 2);
    seq = be32(l4 + 4); ack = be32(l4 + 8);
    tcpFlags = load<u8>(l4 + 13); win = be16(l4 + 14);
    len = <u32>(ipEnd - l4) - hl;
    payOff = l4 + hl;
    const capPay = <i32>(end - payOff);
    payCap = capPay <= 0 ? 0 : (<u32>capPay < len ? <u32>capPay : len);
  } else if (proto == 17 && sport == 0) {
    sport = be16(l4); dport = be16(l4 + 2);
  }
  // payload hash
  let h: u32 = 0;
  if (payCap > 0) {
    h = 0x811c9dc5;
    const e = payOff + <usize>(payCap < 16 ? payCap : <u32>16);
    for (let q = payOff; q < e; q++) h = (h ^ load<u8>(q)) * 0x01000193;
    const pe = payOff + payCap;
    for (let q = pe - 4 > e ? pe - 4 : e; q < pe; q++) h = (h ^ load<u8>(q)) * 0x01000193;
  }
  let sg = (seq * 0x9e3779b1) ^ (ack * 0x85ebca77) ^ (tcpFlags << 24) ^ len ^ h;
  store<u32>(SIG + (i as usize) * 4, sg);
  store<i32>(IPID + (i as usize) * 4, ipId);
  // key
  const s = be32(src); const d = be32(dst);
  const cmp = s < d ? -1 : s > d ? 1 : (sport < dport ? -1 : sport > dport ? 1 : 0);
  const side: u32 = cmp <= 0 ? 0 : 1;
  unchecked(probe[0] = (4 << 8) | proto);
  unchecked(probe[1] = side ? d : s);
  unchecked(probe[2] = 0); unchecked(probe[3] = 0); unchecked(probe[4] = 0);
  unchecked(probe[5] = side ? s : d);
  unchecked(probe[6] = 0); unchecked(probe[7] = 0); unchecked(probe[8] = 0);
  unchecked(probe[9] = side ? (dport << 16) | sport : (sport << 16) | dport);
  let id = lookup();
  const isNew = (id & 0x80000000) != 0;
  id &= 0x7fffffff;
  store<u32>(FLOW + (i as usize) * 4, id);
  const o = NUMS + (id as usize) * 256;
  if (isNew) { store<f64>(o, t); store<f64>(o + 8, <f64>i); store<f64>(o + 16, <f64>side); }
  if (t > load<f64>(o + 24)) store<f64>(o + 24, t);
  store<f64>(o + 32, <f64>i);
  const ps = o + 40 + (side as usize) * 8;
  store<f64>(ps, load<f64>(ps) + 1);
  const bs = o + 56 + (side as usize) * 8;
  store<f64>(bs, load<f64>(bs) + <f64>ipLen);
  if (cookie >= 0) store<f64>(o + 72, <f64>cookie);
  // a TCP-ish state update
  if (proto == 6) {
    const syn = (tcpFlags & 2) != 0, fin = (tcpFlags & 1) != 0, rst = (tcpFlags & 4) != 0;
    const seen = o + 80 + (side as usize) * 8;
    let bits = <u32>load<f64>(seen);
    const letter: u32 = syn ? 1 : fin ? 2 : rst ? 4 : len > 0 ? 8 : 16;
    bits |= letter;
    store<f64>(seen, <f64>bits);
    const ns = o + 96 + (side as usize) * 8;
    const next = load<f64>(ns);
    const e2 = seq + len + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (next != 0 && <i32>(seq - <u32>next) < 0 && len > 0) { const r = o + 112 + (side as usize) * 8; store<f64>(r, load<f64>(r) + 1); }
    if (<i32>(e2 - <u32>next) > 0 || next == 0) store<f64>(ns, <f64>e2);
    const pl = o + 128 + (side as usize) * 8;
    store<f64>(pl, load<f64>(pl) + <f64>len);
    if (win == 0) { const z = o + 144; store<f64>(z, load<f64>(z) + 1); }
  }
  let f: u32 = side ? 1 : 0;
  if (cookie >= 0) f |= 2;
  if (h) f |= 4;
  store<u8>(FLAGS + (i as usize), f);
}

// Records in IN[0..avail): returns the bytes consumed (whole records only).
export function run(avail: u32): u32 {
  let pos: usize = IN;
  const end: usize = IN + avail;
  while (end - pos >= 16) {
    const capLen = load<u32>(pos + 8);
    if (end - pos < 16 + (capLen as usize)) break;
    record(pos + 16, capLen, load<u32>(pos + 12), load<u32>(pos), load<u32>(pos + 4));
    pos += 16 + capLen;
  }
  return <u32>(pos - IN);
}
