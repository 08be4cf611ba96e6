/**
 * The little network the scenarios run on: TCP/UDP endpoints, the AWS GWLB (flow table, 350 s
 * TCP idle timeout, flow cookies, symmetric stickiness) and PAN-OS firewalls (session table,
 * tcp-reject-non-syn, half-closed / time-wait timers) captured at the four stages.
 *
 * Times are integer nanoseconds since the capture start ("true" time, the wire). Each device
 * writes its own clock: true time + its skew. Everything random comes from one seeded PRNG.
 */
import {
  ACK, FIN, PSH, RST, SYN,
  dnsQuery, dnsResponse, endpoint, ethernet, flagNames, foldChecksum, geneveHeader, gwlbEncapsulate, internetChecksum, ipv4Bytes,
  macBytes, onesSum, put16, put32, tcpPacket, udpPacket,
  type AwsGeneveOptions, type TcpOptionsSpec,
} from './packets.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { PcapngWriter } from '../../shared/writers/pcapng.ts';

export const NS = 1_000_000_000;
export const MS = 1_000_000;
export const US = 1_000;
/** 2023-11-25T22:22:01Z: the capture start of every scenario. */
export const BASE_EPOCH_SEC = 1_700_950_921;

export type CaptureStage = 'receive' | 'firewall' | 'transmit' | 'drop';
export const CAPTURE_STAGES: CaptureStage[] = ['receive', 'firewall', 'transmit', 'drop'];

/** sfc32: small, fast, deterministic. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** [0, 1) */
  next(): number {
    return this.u32() / 0x100000000;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

export interface CaptureRecord {
  device: string;
  stage: CaptureStage;
  /** Device clock, ns since capture start (true time + the device's skew). */
  t: number;
  frame: Uint8Array;
  /** May be swapped with its neighbour in the receive file (data of one flow and direction). */
  reorderKey?: string;
  seq: number;
}

export interface FirewallTimers {
  tcp: number;
  tcpHandshake: number;
  tcpInit: number;
  tcpHalfClosed: number;
  tcpTimeWait: number;
  udp: number;
}

export const PANOS_TIMERS: FirewallTimers = { tcp: 3600, tcpHandshake: 10, tcpInit: 5, tcpHalfClosed: 120, tcpTimeWait: 15, udp: 30 };

interface FwSession {
  expiresAt: number;
  synAcked: boolean;
  established: boolean;
  finFromClient: boolean;
  finFromServer: boolean;
  halfClosedUntil: number;
}

/** What a PAN-OS firewall does with one data-plane packet: forward or drop. */
export class FirewallModel {
  readonly sessions = new Map<string, FwSession>();
  constructor(readonly name: string, readonly ip: string, readonly mac: string, readonly timers: FirewallTimers = PANOS_TIMERS) {}

  process(key: string, proto: 'tcp' | 'udp', flags: number, fromClient: boolean, t: number): 'forward' | 'drop' {
    let s = this.sessions.get(key);
    if (s && t > s.expiresAt) {
      this.sessions.delete(key);
      s = undefined;
    }
    if (!s) {
      if (proto === 'udp') {
        this.sessions.set(key, { expiresAt: t + this.timers.udp * NS, synAcked: false, established: true, finFromClient: false, finFromServer: false, halfClosedUntil: 0 });
        return 'forward';
      }
      // tcp-reject-non-syn: the first packet must be a SYN (a SYN-ACK counts as non-SYN).
      if ((flags & SYN) === 0 || (flags & ACK) !== 0) return 'drop';
      this.sessions.set(key, { expiresAt: t + this.timers.tcpInit * NS, synAcked: false, established: false, finFromClient: false, finFromServer: false, halfClosedUntil: 0 });
      return 'forward';
    }
    if (proto === 'udp') {
      s.expiresAt = t + this.timers.udp * NS;
      return 'forward';
    }
    if (flags & RST) {
      s.expiresAt = t; // the session closes with the reset
      return 'forward';
    }
    if ((flags & SYN) && (flags & ACK)) {
      s.synAcked = true;
      s.expiresAt = t + this.timers.tcpHandshake * NS;
      return 'forward';
    }
    if (!s.established && s.synAcked && (flags & ACK)) s.established = true;
    if (flags & FIN) {
      if (fromClient) s.finFromClient = true;
      else s.finFromServer = true;
      if (s.finFromClient && s.finFromServer) {
        s.expiresAt = t + this.timers.tcpTimeWait * NS;
      } else if (s.halfClosedUntil === 0) {
        // half-closed timer: from the first FIN, not refreshed by later packets
        s.halfClosedUntil = t + this.timers.tcpHalfClosed * NS;
        s.expiresAt = s.halfClosedUntil;
      }
      return 'forward';
    }
    if (s.finFromClient && s.finFromServer) return 'forward'; // last ACK in time-wait
    if (s.halfClosedUntil === 0) s.expiresAt = t + (s.established ? this.timers.tcp : this.timers.tcpHandshake) * NS;
    return 'forward';
  }
}

export interface GwlbEndpoint {
  endpointId: Uint8Array;
  attachmentId: Uint8Array;
}

interface GwlbFlow {
  target: string;
  cookie: number;
  lastSeen: number;
  index: number;
}

/** AWS GWLB: 5-tuple symmetric flow table, idle timeout, a new flow cookie per new flow. */
export class GwlbModel {
  readonly flows = new Map<string, GwlbFlow>();
  private readonly flowCounts = new Map<string, number>();
  constructor(
    readonly ip: string,
    readonly mac: string,
    readonly targets: string[],
    readonly rng: Rng,
    readonly tcpIdleSeconds = 350,
    readonly udpIdleSeconds = 120,
  ) {}

  route(key: string, proto: 'tcp' | 'udp', t: number, choose?: (flowIndex: number) => string): GwlbFlow {
    const idle = (proto === 'tcp' ? this.tcpIdleSeconds : this.udpIdleSeconds) * NS;
    let f = this.flows.get(key);
    if (f && t - f.lastSeen > idle) f = undefined; // forgotten silently (no RST)
    if (!f) {
      const index = this.flowCounts.get(key) ?? 0;
      this.flowCounts.set(key, index + 1);
      const target = choose ? choose(index) : this.targets[hashString(`${key}#${index}`) % this.targets.length];
      f = { target, cookie: this.rng.u32(), lastSeen: t, index };
      this.flows.set(key, f);
    }
    f.lastSeen = t;
    return f;
  }
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** What happened to one packet in the GWLB network. */
export interface Delivery {
  t: number;
  fromClient: boolean;
  flags: number;
  payloadLength: number;
  device: string;
  cookie: number;
  action: 'forward' | 'drop';
  gwlbFlowIndex: number;
}

interface GwlbPacketEvent {
  kind: 'gwlb';
  t: number;
  inner: Uint8Array;
  conv: Conversation;
  fromClient: boolean;
  flags: number;
  payloadLength: number;
  reorderable: boolean;
}

interface DirectEvent {
  kind: 'direct';
  t: number;
  emit: { device: string; stage: CaptureStage; dt: number; frame: Uint8Array }[];
}

type WireEvent = (GwlbPacketEvent | DirectEvent) & { order: number };

export interface ConversationOptions {
  proto: 'tcp' | 'udp';
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  /** Firewall for the n-th GWLB flow of this 5-tuple (the last entry repeats); default: hash. */
  targets?: string[];
  /** Asymmetric routing: a fixed firewall per direction, outside the GWLB flow table. */
  fixedRoute?: { client: string; server: string };
  label: string;
  /**
   * HA active/active without GWLB: which peer receives each direction and which peer owns the
   * session (processes and transmits; a packet received on the other peer crosses HA3).
   */
  ha?: { clientRx: string; serverRx: string; owner: string };
  /** One-way delay client <-> firewall and firewall <-> server, ns. */
  clientDelay?: number;
  serverDelay?: number;
}

/** One TCP or UDP conversation through the GWLB; its methods schedule packets. */
export class Conversation {
  readonly key: string;
  readonly deliveries: Delivery[] = [];
  /** Per side: next sequence number to send, next expected from the other side. */
  cNxt: number;
  sNxt: number;
  cRcv: number;
  sRcv: number;
  private cIpId: number;
  private sIpId: number;
  readonly clientTtl: number;
  readonly serverTtl: number;
  readonly clientDelay: number;
  readonly serverDelay: number;
  readonly mss: number;

  constructor(readonly sim: Simulation, readonly o: ConversationOptions) {
    const a = `${o.client}|${o.clientPort}`;
    const b = `${o.server}|${o.serverPort}`;
    this.key = `${o.proto}|${a < b ? a : b}|${a < b ? b : a}`;
    const rng = sim.rng;
    this.cNxt = rng.u32();
    this.sNxt = rng.u32();
    this.cRcv = 0;
    this.sRcv = 0;
    this.cIpId = rng.int(0, 0xffff);
    this.sIpId = rng.int(0, 0xffff);
    this.clientTtl = 64;
    this.serverTtl = rng.int(44, 58);
    this.clientDelay = o.clientDelay ?? rng.int(300, 900) * US;
    this.serverDelay = o.serverDelay ?? rng.int(8, 30) * MS;
    this.mss = o.client.includes(':') ? 1440 : 1460;
    sim.conversations.push(this);
  }

  get client(): string {
    return `${this.o.client}:${this.o.clientPort}`;
  }

  /** Max payload per segment with the 12-byte timestamp option. */
  get segmentSize(): number {
    return this.mss - 12;
  }

  private tsOpt(t: number, fromClient: boolean): { tsval: number; tsecr: number } {
    const ms = Math.floor(t / MS);
    return fromClient ? { tsval: (0x1000000 + ms) >>> 0, tsecr: (0x5000000 + ms) >>> 0 } : { tsval: (0x5000000 + ms) >>> 0, tsecr: (0x1000000 + ms) >>> 0 };
  }

  /**
   * Sends one TCP segment arriving at the firewall side at time t. `seq` overrides the
   * sequence number (retransmissions, keep-alives); `delivered` false means the peer never
   * gets it (its ACKs do not cover it).
   */
  tcp(t: number, fromClient: boolean, flags: number, payloadLength = 0, opt: { seq?: number; delivered?: boolean; payload?: Uint8Array } = {}): { seq: number; payload?: Uint8Array } {
    const o = this.o;
    const seqNow = fromClient ? this.cNxt : this.sNxt;
    const seq = opt.seq ?? seqNow;
    const ack = fromClient ? this.cRcv : this.sRcv;
    const ts = this.tsOpt(t, fromClient);
    if ((flags & (SYN | ACK)) === SYN) ts.tsecr = 0; // a SYN echoes no timestamp
    const options: TcpOptionsSpec = { timestamps: ts };
    if (flags & SYN) {
      options.mss = this.mss;
      options.sackPermitted = true;
      options.windowScale = 7;
    }
    const payload = opt.payload ?? (payloadLength > 0 ? tlsRecord(this.sim.rng, payloadLength) : undefined);
    const ipId = fromClient ? this.cIpId++ & 0xffff : this.sIpId++ & 0xffff;
    const inner = tcpPacket({
      src: fromClient ? o.client : o.server,
      dst: fromClient ? o.server : o.client,
      srcPort: fromClient ? o.clientPort : o.serverPort,
      dstPort: fromClient ? o.serverPort : o.clientPort,
      seq,
      ack,
      flags,
      window: flags & SYN ? (fromClient ? 64240 : 65160) : fromClient ? 502 : 509,
      options,
      payload,
      ip: { id: ipId, ttl: fromClient ? this.clientTtl : this.serverTtl },
    });
    const len = payload?.length ?? 0;
    const consumed = len + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    if (opt.seq === undefined) {
      if (fromClient) this.cNxt = (this.cNxt + consumed) >>> 0;
      else this.sNxt = (this.sNxt + consumed) >>> 0;
    }
    if (opt.delivered !== false && consumed > 0) {
      const end = (seq + consumed) >>> 0;
      if (fromClient) this.sRcv = end;
      else this.cRcv = end;
    }
    this.sim.schedule({ kind: 'gwlb', t, inner, conv: this, fromClient, flags, payloadLength: len, reorderable: len > 0 && (flags & (SYN | FIN | RST)) === 0 });
    return { seq, payload };
  }

  udp(t: number, fromClient: boolean, payload: Uint8Array): void {
    const o = this.o;
    const ipId = fromClient ? this.cIpId++ & 0xffff : this.sIpId++ & 0xffff;
    const inner = udpPacket({
      src: fromClient ? o.client : o.server,
      dst: fromClient ? o.server : o.client,
      srcPort: fromClient ? o.clientPort : o.serverPort,
      dstPort: fromClient ? o.serverPort : o.clientPort,
      payload,
      ip: { id: ipId, ttl: fromClient ? this.clientTtl : this.serverTtl, dontFragment: false },
    });
    this.sim.schedule({ kind: 'gwlb', t, inner, conv: this, fromClient, flags: -1, payloadLength: payload.length, reorderable: false });
  }

  // ---- scripted TCP behaviour; each returns the time of its last packet

  handshake(t: number): number {
    this.tcp(t, true, SYN);
    const t2 = t + 2 * this.serverDelay;
    this.tcp(t2, false, SYN | ACK);
    const t3 = t2 + 2 * this.clientDelay;
    this.tcp(t3, true, ACK);
    return t3;
  }

  /** The client sends `request` bytes, the server answers with `response` bytes in MSS segments, the client ACKs every second one. */
  exchange(t: number, request: number, response: number): number {
    let now = t;
    for (const len of split(request, this.segmentSize)) {
      this.tcp(now, true, PSH | ACK, len);
      now += 40 * US;
    }
    now = t + 2 * this.serverDelay;
    const segs = split(response, this.segmentSize);
    if (segs.length === 0) {
      this.tcp(now, false, ACK);
      return now;
    }
    let last = now;
    segs.forEach((len, i) => {
      const ts = now + i * 120 * US;
      this.tcp(ts, false, i === segs.length - 1 ? PSH | ACK : ACK, len);
      last = ts;
      if (i % 2 === 1 || i === segs.length - 1) {
        const ta = ts + 2 * this.clientDelay;
        this.tcp(ta, true, ACK);
        last = Math.max(last, ta);
      }
    });
    return last;
  }

  /** A TLS-ish session: handshake, hello / certificate / finished, one request. */
  tlsSession(t: number, responseBytes = 6000): number {
    let now = this.handshake(t);
    now = this.exchange(now + 200 * US, 517, 4200); // ClientHello; ServerHello .. ServerHelloDone
    now = this.exchange(now + 300 * US, 126, 258); // ClientKeyExchange .. Finished; tickets
    now = this.exchange(now + 5 * MS, 480, responseBytes); // request and response
    return now;
  }

  /** Orderly close: FIN from one side, FIN from the other, last ACK. */
  close(t: number, byClient: boolean): number {
    this.tcp(t, byClient, FIN | ACK);
    const d1 = byClient ? 2 * this.serverDelay : 2 * this.clientDelay;
    const d2 = byClient ? 2 * this.clientDelay : 2 * this.serverDelay;
    this.tcp(t + d1, !byClient, FIN | ACK);
    this.tcp(t + d1 + d2, byClient, ACK);
    return t + d1 + d2;
  }

  /** Linux keep-alive: seq = next - 1, no data, ACK; the peer answers with an ACK. */
  keepAlive(t: number, fromClient: boolean): number {
    const nxt = fromClient ? this.cNxt : this.sNxt;
    this.tcp(t, fromClient, ACK, 0, { seq: (nxt - 1) >>> 0 });
    const t2 = t + 2 * (fromClient ? this.serverDelay : this.clientDelay);
    this.tcp(t2, !fromClient, ACK);
    return t2;
  }

  /** Retransmissions of a segment with the Linux RTO doubling from `rto` (ns). Returns the last time. */
  retransmit(t: number, fromClient: boolean, flags: number, sent: { seq: number; payload?: Uint8Array }, count: number, rto: number): number {
    let now = t;
    let wait = rto;
    for (let i = 0; i < count; i++) {
      now += wait;
      wait *= 2;
      this.tcp(now, fromClient, flags, sent.payload?.length ?? 0, { seq: sent.seq, payload: sent.payload, delivered: false });
    }
    return now;
  }
}

export interface CaptureDevice {
  name: string;
  ip: string;
  mac: string;
  /** Seconds this device's clock is ahead of true time. */
  skewSeconds: number;
}

export class Simulation {
  readonly rng: Rng;
  readonly conversations: Conversation[] = [];
  readonly records: CaptureRecord[] = [];
  readonly devices = new Map<string, CaptureDevice>();
  readonly firewalls = new Map<string, FirewallModel>();
  gwlb?: GwlbModel;
  endpoints: GwlbEndpoint[] = [];
  /** The VPC router MAC the GWLB's packets come from. */
  routerMac = '02:a0:9f:00:00:01';
  private readonly events: WireEvent[] = [];
  private order = 0;
  private recSeq = 0;
  private readonly outerIpId = new Map<string, number>();
  private readonly lastTx = new Map<string, number>();

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  addFirewall(name: string, ip: string, mac: string, skewSeconds = 0, timers: FirewallTimers = PANOS_TIMERS): FirewallModel {
    const fw = new FirewallModel(name, ip, mac, timers);
    this.firewalls.set(name, fw);
    this.devices.set(name, { name, ip, mac, skewSeconds });
    return fw;
  }

  schedule(e: GwlbPacketEvent | DirectEvent): void {
    this.events.push({ ...e, order: this.order++ });
  }

  /** A packet outside the GWLB: written to the given device stages at t + dt. */
  direct(t: number, emit: DirectEvent['emit']): void {
    this.schedule({ kind: 'direct', t, emit });
  }

  private nextOuterId(who: string): number {
    const v = this.outerIpId.get(who) ?? hashString(who) & 0xffff;
    this.outerIpId.set(who, (v + 1) & 0xffff);
    return v;
  }

  private emit(device: string, stage: CaptureStage, tTrue: number, frame: Uint8Array, reorderKey?: string): void {
    const dev = this.devices.get(device);
    if (!dev) throw new Error(`unknown device ${device}`);
    // Sub-microsecond jitter: nanosecond files carry digits a microsecond file drops.
    const t = tTrue + Math.round(dev.skewSeconds * NS) + this.rng.int(0, 999);
    this.records.push({ device, stage, t, frame, reorderKey, seq: this.recSeq++ });
  }

  /** Runs every scheduled packet through the GWLB and firewalls, in time order. */
  run(): void {
    this.events.sort((a, b) => a.t - b.t || a.order - b.order);
    const rng = this.rng;
    for (const e of this.events) {
      if (e.kind === 'direct') {
        for (const x of e.emit) this.emit(x.device, x.stage, e.t + x.dt, x.frame);
        continue;
      }
      const conv = e.conv;
      const proto = conv.o.proto;
      if (conv.o.ha) {
        this.haForward(e, conv.o.ha);
        continue;
      }
      let device: string;
      let cookie: number;
      let index = 0;
      let endpoint = this.endpoints[0];
      if (conv.o.fixedRoute) {
        device = e.fromClient ? conv.o.fixedRoute.client : conv.o.fixedRoute.server;
        endpoint = this.endpoints[e.fromClient ? 0 : 1] ?? this.endpoints[0];
        cookie = hashString(`${conv.key}|${e.fromClient ? 'c' : 's'}`);
      } else {
        const targets = conv.o.targets;
        const f = this.gwlb!.route(conv.key, proto, e.t, targets ? (i) => targets[Math.min(i, targets.length - 1)] : undefined);
        device = f.target;
        cookie = f.cookie;
        index = f.index;
      }
      const fw = this.firewalls.get(device)!;
      const action = fw.process(conv.key, proto, e.flags < 0 ? 0 : e.flags, e.fromClient, e.t);
      conv.deliveries.push({ t: e.t, fromClient: e.fromClient, flags: e.flags, payloadLength: e.payloadLength, device, cookie, action, gwlbFlowIndex: index });
      const aws: AwsGeneveOptions = { endpointId: endpoint.endpointId, attachmentId: endpoint.attachmentId, flowCookie: cookie };
      const gwlbIp = this.gwlb!.ip;
      const rx = ethernet({
        src: this.routerMac,
        dst: fw.mac,
        payload: gwlbEncapsulate(e.inner, { src: gwlbIp, dst: fw.ip, ipId: this.nextOuterId(gwlbIp), ttl: 64, aws }),
      });
      const reorderKey = e.reorderable ? `${conv.key}|${e.fromClient}` : undefined;
      this.emit(device, 'receive', e.t, rx, reorderKey);
      if (action === 'forward') {
        this.emit(device, 'firewall', e.t + rng.int(5, 15) * US, rx);
        const tx = ethernet({
          src: fw.mac,
          dst: this.routerMac,
          payload: gwlbEncapsulate(e.inner, { src: fw.ip, dst: gwlbIp, ipId: this.nextOuterId(fw.ip), ttl: 64, aws }),
        });
        // One session is processed on one core: its packets leave in the order they came.
        const flowDir = `${conv.key}|${e.fromClient}`;
        const txAt = Math.max(e.t + rng.int(20, 200) * US, (this.lastTx.get(flowDir) ?? 0) + 2 * US);
        this.lastTx.set(flowDir, txAt);
        this.emit(device, 'transmit', txAt, tx);
      } else {
        this.emit(device, 'drop', e.t + rng.int(5, 30) * US, rx);
      }
    }
  }

  /** HA active/active peers, plain Ethernet with an 802.1Q tag: no GENEVE, the firewall routes (TTL - 1). */
  haVirtualMac = '00:1b:17:00:01:10';
  clientRouterMac = '02:43:00:00:00:01';
  serverRouterMac = '02:51:00:00:00:01';
  haVlan = 100;

  private haForward(e: GwlbPacketEvent, ha: { clientRx: string; serverRx: string; owner: string }): void {
    const rng = this.rng;
    const rxDevice = e.fromClient ? ha.clientRx : ha.serverRx;
    const crossesHa3 = rxDevice !== ha.owner;
    const rx = ethernet({ src: e.fromClient ? this.clientRouterMac : this.serverRouterMac, dst: this.haVirtualMac, vlan: this.haVlan, payload: e.inner });
    const routed = decrementTtl(e.inner);
    const tx = ethernet({ src: this.haVirtualMac, dst: e.fromClient ? this.serverRouterMac : this.clientRouterMac, vlan: this.haVlan, payload: routed });
    const reorderKey = e.reorderable ? `${e.conv.key}|${e.fromClient}` : undefined;
    this.emit(rxDevice, 'receive', e.t, rx, reorderKey);
    this.emit(ha.owner, 'firewall', e.t + (crossesHa3 ? rng.int(50, 90) : rng.int(5, 15)) * US, rx);
    const flowDir = `${e.conv.key}|${e.fromClient}`;
    const txAt = Math.max(e.t + (crossesHa3 ? rng.int(110, 250) : rng.int(20, 100)) * US, (this.lastTx.get(flowDir) ?? 0) + 2 * US);
    this.lastTx.set(flowDir, txAt);
    this.emit(ha.owner, 'transmit', txAt, tx);
    e.conv.deliveries.push({ t: e.t, fromClient: e.fromClient, flags: e.flags, payloadLength: e.payloadLength, device: ha.owner, cookie: 0, action: 'forward', gwlbFlowIndex: 0 });
  }

  /** Records of one capture point in file order: by device time, a few neighbours swapped on receive. */
  recordsOf(device: string, stage: CaptureStage): CaptureRecord[] {
    const list = this.records.filter((r) => r.device === device && r.stage === stage).sort((a, b) => a.t - b.t || a.seq - b.seq);
    if (stage === 'receive') {
      // receive stage: dataplane cores write slightly out of order; only data segments of one
      // flow and direction less than 1 ms apart are swapped, never handshake / FIN / RST.
      for (let i = 0; i + 1 < list.length; i++) {
        const a = list[i];
        const b = list[i + 1];
        if (a.reorderKey && a.reorderKey === b.reorderKey && b.t - a.t < MS && this.rng.next() < 0.04) {
          list[i] = b;
          list[i + 1] = a;
          i++;
        }
      }
    }
    return list;
  }
}

/** Health checks of the GWLB: plain TCP to port 80 of the target, 3WHS then FIN, not tunnelled. */
export function healthCheck(sim: Simulation, t: number, gwlbIp: string, gwlbMac: string, fw: CaptureDevice, srcPort: number): void {
  const rng = sim.rng;
  let gSeq = rng.u32();
  let fSeq = rng.u32();
  let gId = rng.int(0, 0xffff);
  let fId = rng.int(0, 0xffff);
  const inbound = (dt: number, flags: number): void => {
    const ip = tcpPacket({ src: gwlbIp, dst: fw.ip, srcPort, dstPort: 80, seq: gSeq, ack: fSeq, flags, window: flags & SYN ? 26883 : 211, options: flags & SYN ? { mss: 8961, sackPermitted: true, timestamps: { tsval: Math.floor((t + dt) / MS) >>> 0, tsecr: 0 }, windowScale: 8 } : { timestamps: { tsval: Math.floor((t + dt) / MS) >>> 0, tsecr: 0x300000 } }, ip: { id: gId++ & 0xffff, ttl: 255 } });
    const frame = ethernet({ src: gwlbMac, dst: fw.mac, payload: ip });
    sim.direct(t + dt, [
      { device: fw.name, stage: 'receive', dt: 0, frame },
      { device: fw.name, stage: 'firewall', dt: 6 * US, frame },
    ]);
  };
  const outbound = (dt: number, flags: number): void => {
    const ip = tcpPacket({ src: fw.ip, dst: gwlbIp, srcPort: 80, dstPort: srcPort, seq: fSeq, ack: gSeq, flags, window: flags & SYN ? 65160 : 509, options: flags & SYN ? { mss: 1460, sackPermitted: true, timestamps: { tsval: 0x300000, tsecr: Math.floor(t / MS) >>> 0 }, windowScale: 7 } : { timestamps: { tsval: 0x300000, tsecr: Math.floor((t + dt) / MS) >>> 0 } }, ip: { id: fId++ & 0xffff, ttl: 64 } });
    sim.direct(t + dt, [{ device: fw.name, stage: 'transmit', dt: 0, frame: ethernet({ src: fw.mac, dst: gwlbMac, payload: ip }) }]);
  };
  inbound(0, SYN);
  gSeq = (gSeq + 1) >>> 0;
  outbound(90 * US, SYN | ACK);
  fSeq = (fSeq + 1) >>> 0;
  inbound(400 * US, ACK);
  inbound(450 * US, FIN | ACK);
  gSeq = (gSeq + 1) >>> 0;
  outbound(520 * US, FIN | ACK);
  fSeq = (fSeq + 1) >>> 0;
  inbound(900 * US, ACK);
}

/** A DNS query and its answer through the GWLB. */
export function dnsLookup(conv: Conversation, t: number, name: string, answer: string): number {
  const id = conv.sim.rng.int(0, 0xffff);
  conv.udp(t, true, dnsQuery(id, name, answer.includes(':') ? 28 : 1));
  const t2 = t + 2 * conv.serverDelay;
  conv.udp(t2, false, dnsResponse(id, name, answer));
  return t2;
}

/** TLS application-data records (content type 23, TLS 1.2 on the wire) filling `length` bytes. */
export function tlsRecord(rng: Rng, length: number): Uint8Array {
  const out = rng.bytes(length);
  if (length >= 6) {
    out[0] = 0x17;
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = ((length - 5) >> 8) & 0xff;
    out[4] = (length - 5) & 0xff;
  }
  return out;
}

/** The packet a router forwards: TTL / hop limit minus one, IPv4 header checksum updated. */
export function decrementTtl(ip: Uint8Array): Uint8Array {
  const out = ip.slice();
  if (out[0] >> 4 === 6) {
    out[7] -= 1;
    return out;
  }
  out[8] -= 1;
  out[10] = 0;
  out[11] = 0;
  put16(out, 10, internetChecksum(out, 0, (out[0] & 0x0f) * 4));
  return out;
}

export function split(total: number, size: number): number[] {
  const out: number[] = [];
  while (total > 0) {
    out.push(Math.min(size, total));
    total -= size;
  }
  return out;
}

// =====================================================================================
// Files: variants and writing
// =====================================================================================


export type Variant =
  | 'pcap-le-us' | 'pcap-be-us' | 'pcap-le-ns' | 'pcap-be-ns'
  | 'pcapng-le-us' | 'pcapng-be-us' | 'pcapng-le-ns' | 'pcapng-be-ns';

export const VARIANTS: readonly Variant[] = [
  'pcap-le-us', 'pcap-be-us', 'pcap-le-ns', 'pcap-be-ns',
  'pcapng-le-us', 'pcapng-be-us', 'pcapng-le-ns', 'pcapng-be-ns',
];

export interface VariantInfo {
  format: 'pcap' | 'pcapng';
  bigEndian: boolean;
  nanosecond: boolean;
  extension: 'pcap' | 'pcapng';
}

export function variantInfo(variant: Variant): VariantInfo {
  const m = /^(pcapng|pcap)-(le|be)-(us|ns)$/.exec(variant);
  if (!m) throw new Error(`unknown variant ${variant}; one of ${VARIANTS.join(', ')}`);
  const format = m[1] as 'pcap' | 'pcapng';
  return { format, bigEndian: m[2] === 'be', nanosecond: m[3] === 'ns', extension: format };
}

export function isVariant(v: string): v is Variant {
  return (VARIANTS as readonly string[]).includes(v);
}

/** Splits device-clock ns since capture start into epoch seconds + ns. */
export function epochParts(t: number): { tsSec: number; tsNsec: number } {
  const sec = Math.floor(t / NS);
  return { tsSec: BASE_EPOCH_SEC + sec, tsNsec: t - sec * NS };
}

/** ISO-8601 UTC with 9 decimals; microsecond variants carry only what the file holds. */
export function isoTime(t: number, nanosecond = true): string {
  const { tsSec, tsNsec } = epochParts(t);
  const frac = nanosecond ? tsNsec : Math.floor(tsNsec / 1000) * 1000;
  return `${new Date(tsSec * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(9, '0')}Z`;
}

/** One capture file as chunks (header first), streaming. */
export function* captureChunks(
  records: Iterable<{ t: number; frame: Uint8Array; comment?: string | null }>,
  variant: Variant,
  interfaceName: string,
): Generator<Uint8Array> {
  const v = variantInfo(variant);
  if (v.format === 'pcap') {
    const w = new PcapWriter({ bigEndian: v.bigEndian, nanosecond: v.nanosecond, linkType: 1, snapLen: 262144 });
    yield w.header();
    for (const r of records) {
      const { tsSec, tsNsec } = epochParts(r.t);
      yield w.record(tsSec, tsNsec, r.frame);
    }
  } else {
    const w = new PcapngWriter({ bigEndian: v.bigEndian, application: 'stagediff scenario generator' });
    yield w.sectionHeader();
    yield w.interfaceDescription({ linkType: 1, snapLen: 262144, name: interfaceName, tsResolution: v.nanosecond ? 9 : 6 });
    for (const r of records) {
      const { tsSec, tsNsec } = epochParts(r.t);
      yield w.enhancedPacket(0, tsSec, tsNsec, r.frame, r.frame.length, r.comment ?? null);
    }
  }
}

export function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of list) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// =====================================================================================
// Expected findings
// =====================================================================================

export type ExpectedSeverity = 'critical' | 'warning' | 'info';

/** One finding a correct analyzer reports (fields per issue 3); times are ISO-8601. */
export interface ExpectedFinding {
  kind: string;
  severity: ExpectedSeverity;
  proto: 'tcp' | 'udp';
  client: string;
  server: string;
  /** session-moved */
  fromDevice?: string;
  toDevice?: string;
  lastSeenFrom?: string;
  reappearedAt?: string;
  idleSeconds?: number;
  firstReappearedFlags?: string;
  droppedPackets?: number;
  cookieBefore?: string;
  cookieAfter?: string;
  /** idle-timeout-exceeded, half-close-timeout */
  device?: string;
  timeoutSeconds?: number;
  finAt?: string;
  secondsAfterFin?: number;
  /** asymmetric-path */
  forwardDevice?: string;
  reverseDevice?: string;
  /** rst */
  from?: 'client' | 'server';
}

export interface ExpectedFlow {
  label: string;
  proto: 'tcp' | 'udp';
  client: string;
  server: string;
  /** Devices that carried packets of the flow, in order of first packet. */
  devices: string[];
  /** GENEVE flow cookies in the order the GWLB made them ("0x%08x"). */
  cookies: string[];
  /** Session end reason PAN-OS would log, per device (only where it is clear-cut). */
  endReasons?: Record<string, string>;
  /** For aged-out sessions: when the device's TCP timer (3600 s) ends them (after the capture). */
  agesOutAt?: Record<string, string>;
  /** Packets of the flow in each device's drop stage. */
  dropped: Record<string, number>;
}

export interface ExpectedFindings {
  scenario: string;
  variant: Variant;
  /** Capture start (true time). */
  captureStart: string;
  /** Seconds to add to each device's timestamps (pass as --clock-offset DEVICE=SECONDS). */
  clockOffsets: Record<string, number>;
  /** Exactly these findings, no others (except severities listed in `tolerate`). */
  findings: ExpectedFinding[];
  /** Extra findings of these severities do not fail a test (e.g. info notes). */
  tolerate: ExpectedSeverity[];
  /** Clock offsets an analyzer should estimate from packets seen on two devices (same sign as clockOffsets). */
  clockEstimates?: { device: string; relativeTo: string; offsetSeconds: number; toleranceSeconds: number }[];
  /** GWLB and firewall timers the scenario assumes (defaults of domain.md). */
  settings: Record<string, number>;
  flows: ExpectedFlow[];
  notes: string[];
}

export interface GeneratedFile {
  device: string;
  stage: CaptureStage;
  fileName: string;
  bytes: Uint8Array;
}

export interface GeneratedScenario {
  files: GeneratedFile[];
  expected: ExpectedFindings;
}

export function cookieHex(c: number): string {
  return `0x${(c >>> 0).toString(16).padStart(8, '0')}`;
}

const seconds = (ns: number): number => Math.round((ns / NS) * 1e6) / 1e6;

function flowOf(conv: Conversation, label: string, endReasons?: Record<string, string>): ExpectedFlow {
  const devices: string[] = [];
  const cookies: string[] = [];
  const dropped: Record<string, number> = {};
  let lastIndex = -1;
  for (const d of conv.deliveries) {
    if (!devices.includes(d.device)) devices.push(d.device);
    if (d.cookie !== 0 && (cookies.length === 0 || d.gwlbFlowIndex !== lastIndex) && !cookies.includes(cookieHex(d.cookie))) cookies.push(cookieHex(d.cookie));
    lastIndex = d.gwlbFlowIndex;
    if (d.action === 'drop') dropped[d.device] = (dropped[d.device] ?? 0) + 1;
  }
  return {
    label,
    proto: conv.o.proto,
    client: endpoint(conv.o.client, conv.o.clientPort),
    server: endpoint(conv.o.server, conv.o.serverPort),
    devices,
    cookies,
    endReasons,
    dropped,
  };
}

function base(conv: Conversation, kind: string, severity: ExpectedSeverity): ExpectedFinding {
  return { kind, severity, proto: conv.o.proto, client: endpoint(conv.o.client, conv.o.clientPort), server: endpoint(conv.o.server, conv.o.serverPort) };
}

/** session-moved, computed from what the simulated network did with the flow's packets. */
function sessionMoved(conv: Conversation, ns: boolean): ExpectedFinding {
  const ds = conv.deliveries;
  const firstOther = ds.findIndex((d) => d.device !== ds[0].device);
  const last = ds[firstOther - 1];
  const first = ds[firstOther];
  return {
    ...base(conv, 'session-moved', 'critical'),
    fromDevice: last.device,
    toDevice: first.device,
    lastSeenFrom: isoTime(last.t, ns),
    reappearedAt: isoTime(first.t, ns),
    idleSeconds: seconds(first.t - last.t),
    firstReappearedFlags: flagNames(first.flags),
    droppedPackets: ds.filter((d, i) => i >= firstOther && d.device === first.device && d.action === 'drop').length,
    cookieBefore: cookieHex(last.cookie),
    cookieAfter: cookieHex(first.cookie),
  };
}

function largestGap(conv: Conversation): { before: Delivery; after: Delivery } {
  let best = { before: conv.deliveries[0], after: conv.deliveries[0] };
  for (let i = 1; i < conv.deliveries.length; i++) {
    const a = conv.deliveries[i - 1];
    const b = conv.deliveries[i];
    if (b.t - a.t > best.after.t - best.before.t) best = { before: a, after: b };
  }
  return best;
}

const DEFAULT_SETTINGS: Record<string, number> = {
  gwlbTcpIdleTimeout: 350,
  gwlbUdpIdleTimeout: 120,
  tcpTimeout: 3600,
  tcpHandshake: 10,
  tcpInit: 5,
  tcpHalfClosed: 120,
  tcpTimeWait: 15,
  udpTimeout: 30,
};

// =====================================================================================
// Scenarios
// =====================================================================================

export const SCENARIOS = ['gwlb-incident', 'gwlb-incident-v6-skew', 'keepalive-control', 'half-close', 'asymmetric', 'ha-active-active'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The variant each scenario is usually written in (the shipped sample, the tests' default). */
export const DEFAULT_VARIANT: Record<ScenarioName, Variant> = {
  'gwlb-incident': 'pcap-le-us',
  'gwlb-incident-v6-skew': 'pcapng-le-ns',
  'keepalive-control': 'pcap-be-ns',
  'half-close': 'pcap-le-ns',
  asymmetric: 'pcapng-be-us',
  'ha-active-active': 'pcap-be-us',
};

const GWLB_IP = '172.21.200.78';
const PA1 = { name: 'PA-VM-1', ip: '172.21.200.84', mac: '0a:3e:84:c1:00:84' };
const PA2 = { name: 'PA-VM-2', ip: '172.21.200.85', mac: '0a:3e:85:c1:00:85' };

interface Built {
  sim: Simulation;
  devices: string[];
  stages: CaptureStage[];
  endSeconds: number;
  findings: ExpectedFinding[];
  flows: ExpectedFlow[];
  clockOffsets: Record<string, number>;
  tolerate: ExpectedSeverity[];
  clockEstimates?: ExpectedFindings['clockEstimates'];
  notes: string[];
}

function gwlbSim(seed: number, skew2 = 0): Simulation {
  const sim = new Simulation(seed);
  sim.addFirewall(PA1.name, PA1.ip, PA1.mac, 0);
  sim.addFirewall(PA2.name, PA2.ip, PA2.mac, skew2);
  sim.gwlb = new GwlbModel(GWLB_IP, sim.routerMac, [PA1.name, PA2.name], sim.rng, 350, 120);
  sim.endpoints = [
    { endpointId: Uint8Array.of(0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71), attachmentId: Uint8Array.of(0, 0, 0, 0, 0x6a, 0x3c, 0x1f, 0x02) },
    { endpointId: Uint8Array.of(0x0b, 0x9e, 0x47, 0x12, 0xc3, 0x85, 0x21, 0x6d), attachmentId: Uint8Array.of(0, 0, 0, 0, 0x6a, 0x3c, 0x1f, 0x03) },
  ];
  return sim;
}

/** GWLB health checks to both firewalls every 10 s from `from` to `to` seconds. */
function healthChecks(sim: Simulation, from: number, to: number): void {
  let port = 31000;
  for (let t = from; t < to; t += 10) {
    healthCheck(sim, Math.round(t * NS), GWLB_IP, sim.routerMac, sim.devices.get(PA1.name)!, port++);
    healthCheck(sim, Math.round((t + 0.37) * NS), GWLB_IP, sim.routerMac, sim.devices.get(PA2.name)!, port++);
  }
}

interface Addresses {
  clients: string[];
  servers: Record<'A' | 'B' | 'C1' | 'C2' | 'D' | 'E' | 'DNS', string>;
}

const V4: Addresses = {
  clients: ['172.21.43.170', '172.21.43.171', '172.21.43.172', '172.21.43.173', '172.21.43.174', '172.21.43.175'],
  servers: { A: '198.51.100.52', B: '203.0.113.10', C1: '198.51.100.17', C2: '203.0.113.41', D: '203.0.113.25', E: '198.51.100.80', DNS: '198.51.100.53' },
};

const V6: Addresses = {
  clients: ['2001:db8:21:43::170', '2001:db8:21:43::171', '2001:db8:21:43::172', '2001:db8:21:43::173', '2001:db8:21:43::174', '2001:db8:21:43::175'],
  servers: { A: '2001:db8:5100::52', B: '2001:db8:113::10', C1: '2001:db8:5100::17', C2: '2001:db8:113::41', D: '2001:db8:113::25', E: '2001:db8:5100::80', DNS: '2001:db8:5100::53' },
};

const S = (s: number): number => Math.round(s * NS);

function buildIncident(v6: boolean, ns: boolean): Built {
  const skew2 = v6 ? 3.7 : 0;
  const sim = gwlbSim(v6 ? 0x6e7c1d : 0x1ac1d, skew2);
  const a = v6 ? V6 : V4;
  const end = 960;
  healthChecks(sim, 1.0, end);
  const flows: ExpectedFlow[] = [];
  const findings: ExpectedFinding[] = [];
  const notes: string[] = [];

  // F) DNS through the GWLB (UDP): the client resolves each server first.
  const dnsConvs: Conversation[] = [];
  const dns = (t: number, client: string, port: number, name: string, answer: string): void => {
    const c = new Conversation(sim, { proto: 'udp', client, clientPort: port, server: a.servers.DNS, serverPort: 53, label: `dns ${name}` });
    dnsLookup(c, S(t), name, answer);
    dnsConvs.push(c);
  };
  dns(3.95, a.clients[0], 53011, 'api.example.com', a.servers.A);
  dns(11.8, a.clients[1], 53012, 'sync.example.net', a.servers.B);
  dns(29.7, a.clients[3], 53013, 'cdn.example.org', a.servers.E);
  dns(129.6, a.clients[2], 53014, 'auth.example.net', a.servers.D);
  dns(455.0, a.clients[4], 53015, 'www.example.com', a.servers.C1);
  dns(700.2, a.clients[5], 53016, 'img.example.org', a.servers.C2);

  // A) the headline: TLS on PA-VM-1, 400 s idle, the server's FIN lands on PA-VM-2.
  const A = new Conversation(sim, { proto: 'tcp', client: a.clients[0], clientPort: 51544, server: a.servers.A, serverPort: 443, targets: [PA1.name, PA2.name], label: 'A moved', serverDelay: 11 * MS, clientDelay: 450 * US });
  let t = A.tlsSession(S(4.2), 9000);
  t = A.exchange(t + S(1.5), 350, 1200);
  const lastOnPa1 = t;
  // The server's idle timeout (400 s): FIN-ACK; the GWLB forgot the flow at 350 s -> new flow, PA-VM-2.
  const fin = A.tcp(lastOnPa1 + S(400), false, FIN | ACK, 0, { delivered: false });
  A.retransmit(lastOnPa1 + S(400), false, FIN | ACK, fin, 3, 230 * MS);
  // The client speaks again 30 s later: same (new) GWLB flow, same cookie, PA-VM-2 drops it.
  const data = A.tcp(lastOnPa1 + S(431.25), true, PSH | ACK, 245, { delivered: false });
  A.retransmit(lastOnPa1 + S(431.25), true, PSH | ACK, data, 5, 204 * MS);
  notes.push('A: the client keeps retransmitting past the end of the capture (Linux tcp_retries2); no RST from it, so no rst finding.');

  // B) keep-alives every 300 s keep the GWLB flow: stays on PA-VM-1, one cookie.
  const B = new Conversation(sim, { proto: 'tcp', client: a.clients[1], clientPort: 40112, server: a.servers.B, serverPort: 443, targets: [PA1.name], label: 'B keep-alive' });
  t = B.tlsSession(S(12.0), 3000);
  let ka = t;
  for (let i = 0; i < 3; i++) {
    ka = ka + S(300);
    B.keepAlive(ka, true);
  }
  t = B.exchange(ka + S(18), 400, 2500);
  B.close(t + S(2), true);

  // C) clean short sessions on both firewalls.
  const cleanConvs: Conversation[] = [];
  const cleanStarts = [20.3, 45.1, 90.7, 151.2, 262.4, 410.9, 455.3, 600.6, 700.4, 821.8];
  cleanStarts.forEach((start, i) => {
    const c = new Conversation(sim, {
      proto: 'tcp',
      client: a.clients[(i + 2) % a.clients.length],
      clientPort: 49200 + i * 37,
      server: i % 2 === 0 ? a.servers.C1 : a.servers.C2,
      serverPort: 443,
      targets: [i % 2 === 0 ? PA1.name : PA2.name],
      label: `C clean ${i + 1}`,
    });
    const te = c.tlsSession(S(start), 2000 + i * 700);
    c.close(te + S(0.8), i % 3 !== 2);
    cleanConvs.push(c);
  });

  // D) the server resets the session after the request.
  const D = new Conversation(sim, { proto: 'tcp', client: a.clients[2], clientPort: 50210, server: a.servers.D, serverPort: 443, targets: [PA2.name], label: 'D server reset' });
  t = D.handshake(S(130.1));
  D.tcp(t + 150 * US, true, PSH | ACK, 517);
  D.tcp(t + 150 * US + 2 * D.serverDelay, false, RST | ACK);

  // E) idle 420 s, the GWLB re-hashes onto the same firewall under a new cookie; it continues.
  const E = new Conversation(sim, { proto: 'tcp', client: a.clients[3], clientPort: 49822, server: a.servers.E, serverPort: 443, targets: [PA1.name, PA1.name], label: 'E idle, same firewall' });
  t = E.tlsSession(S(30.0), 4000);
  t = E.exchange(t + S(420), 300, 1800);
  E.close(t + S(1), true);

  sim.run();

  findings.push(sessionMoved(A, ns));
  findings.push({ ...base(D, 'rst', 'info'), from: 'server' });
  const gap = largestGap(E);
  findings.push({
    ...base(E, 'idle-timeout-exceeded', 'warning'),
    device: PA1.name,
    idleSeconds: seconds(gap.after.t - gap.before.t),
    timeoutSeconds: 350,
    cookieBefore: cookieHex(gap.before.cookie),
    cookieAfter: cookieHex(gap.after.cookie),
  } as ExpectedFinding);

  const aLast = A.deliveries.filter((d) => d.device === PA1.name).at(-1)!;
  flows.push({ ...flowOf(A, 'A moved', { [PA1.name]: 'aged-out' }), agesOutAt: { [PA1.name]: isoTime(aLast.t + S(3600), ns) } });
  flows.push(flowOf(B, 'B keep-alive', { [PA1.name]: 'tcp-fin' }));
  for (const c of cleanConvs) flows.push(flowOf(c, c.o.label, { [c.deliveries[0].device]: 'tcp-fin' }));
  flows.push(flowOf(D, 'D server reset', { [PA2.name]: 'tcp-rst-from-server' }));
  flows.push(flowOf(E, 'E idle, same firewall', { [PA1.name]: 'tcp-fin' }));
  for (const c of dnsConvs) flows.push(flowOf(c, c.o.label));

  notes.push(
    'rst from the server is severity info: an application decision, not a path problem.',
    'E: one idle-timeout-exceeded (warning) on PA-VM-1; not session-moved (same firewall, it kept the session).',
    'B: keep-alives every 300 s (< 350 s) are activity: no finding, one cookie.',
    'Health checks 172.21.200.78 -> firewall:80 are plain TCP to the firewall itself: inbound in receive + firewall stages, the firewall\'s answers in transmit only. No finding.',
    'The firewall stage shows the packet as received (GENEVE outer header included), like receive.',
    'The receive stage swaps a few neighbouring data segments of one flow and direction (< 1 ms apart): file order is not time order there.',
    'Non-SYN drops of A on PA-VM-2 are evidence of its session-moved, not separate findings (one cause, one finding).',
  );
  if (v6) notes.push('PA-VM-2\'s clock runs 3.7 s ahead; with --clock-offset PA-VM-2=-3.7, idleSeconds is the true idle time.');
  return {
    sim,
    devices: [PA1.name, PA2.name],
    stages: CAPTURE_STAGES,
    endSeconds: end,
    findings,
    flows,
    clockOffsets: v6 ? { [PA2.name]: -3.7 } : {},
    tolerate: [],
    notes,
  };
}

function buildKeepaliveControl(): Built {
  const sim = gwlbSim(0x6ee9a11e);
  const a = V4;
  const end = 1010;
  healthChecks(sim, 2.0, end);
  // Client keep-alives every 300 s on PA-VM-1.
  const K1 = new Conversation(sim, { proto: 'tcp', client: a.clients[0], clientPort: 51544, server: a.servers.A, serverPort: 443, targets: [PA1.name], label: 'K1 client keep-alive' });
  let t = K1.tlsSession(S(5.0), 5000);
  for (let i = 0; i < 3; i++) {
    t += S(300);
    K1.keepAlive(t, true);
  }
  t = K1.exchange(t + S(60), 420, 3300);
  K1.close(t + S(1), true);
  // Server keep-alives every 300 s on PA-VM-2.
  const K2 = new Conversation(sim, { proto: 'tcp', client: a.clients[1], clientPort: 43110, server: a.servers.B, serverPort: 443, targets: [PA2.name], label: 'K2 server keep-alive' });
  t = K2.tlsSession(S(8.4), 2200);
  for (let i = 0; i < 3; i++) {
    t += S(299.5);
    K2.keepAlive(t, false);
  }
  t = K2.exchange(t + S(40), 300, 900);
  K2.close(t + S(1), false);
  // Idle 200 s, well below the GWLB timeout, then more data.
  const K3 = new Conversation(sim, { proto: 'tcp', client: a.clients[2], clientPort: 50900, server: a.servers.E, serverPort: 443, targets: [PA1.name], label: 'K3 idle 200 s' });
  t = K3.tlsSession(S(20.0), 3000);
  t = K3.exchange(t + S(200), 380, 2400);
  K3.close(t + S(1), true);
  sim.run();
  return {
    sim,
    devices: [PA1.name, PA2.name],
    stages: CAPTURE_STAGES,
    endSeconds: end,
    findings: [],
    flows: [flowOf(K1, K1.o.label, { [PA1.name]: 'tcp-fin' }), flowOf(K2, K2.o.label, { [PA2.name]: 'tcp-fin' }), flowOf(K3, K3.o.label, { [PA1.name]: 'tcp-fin' })],
    clockOffsets: {},
    tolerate: [],
    notes: ['Keep-alives every 300 s (client side on K1, server side on K2) and a 200 s idle gap (K3): no finding at all.'],
  };
}

function buildHalfClose(ns: boolean): Built {
  const sim = gwlbSim(0x4a1fc105);
  const a = V4;
  const end = 200;
  healthChecks(sim, 0.5, end);
  const H = new Conversation(sim, { proto: 'tcp', client: a.clients[0], clientPort: 52210, server: a.servers.C2, serverPort: 443, targets: [PA1.name], label: 'H half-close' });
  let t = H.tlsSession(S(5.0), 3000);
  // The client is done sending: shutdown(SHUT_WR) -> FIN; the server ACKs it and keeps sending.
  const finAt = t + S(0.5);
  H.tcp(finAt, true, FIN | ACK);
  H.tcp(finAt + 2 * H.serverDelay, false, ACK);
  t = finAt + S(1.0);
  H.tcp(t, false, PSH | ACK, 1100);
  H.tcp(t + 2 * H.clientDelay, true, ACK);
  // 150 s after the FIN (> half-closed 120 s) the server sends more: PA-VM-1 has closed the session.
  const late = H.tcp(finAt + S(150), false, PSH | ACK, 1300, { delivered: false });
  H.retransmit(finAt + S(150), false, PSH | ACK, late, 4, 220 * MS);
  // Decoys: two clean sessions and DNS.
  const C1 = new Conversation(sim, { proto: 'tcp', client: a.clients[1], clientPort: 49001, server: a.servers.C1, serverPort: 443, targets: [PA2.name], label: 'C clean 1' });
  C1.close(C1.tlsSession(S(12.0), 2500) + S(0.3), true);
  const C2 = new Conversation(sim, { proto: 'tcp', client: a.clients[2], clientPort: 49002, server: a.servers.B, serverPort: 443, targets: [PA1.name], label: 'C clean 2' });
  C2.close(C2.tlsSession(S(70.0), 1800) + S(0.3), false);
  const dnsC = new Conversation(sim, { proto: 'udp', client: a.clients[0], clientPort: 53020, server: a.servers.DNS, serverPort: 53, label: 'dns' });
  dnsLookup(dnsC, S(4.9), 'files.example.net', a.servers.C2);
  sim.run();
  const firstDrop = H.deliveries.find((d) => d.action === 'drop')!;
  return {
    sim,
    devices: [PA1.name, PA2.name],
    stages: CAPTURE_STAGES,
    endSeconds: end,
    findings: [
      {
        ...base(H, 'half-close-timeout', 'warning'),
        device: PA1.name,
        finAt: isoTime(finAt, ns),
        secondsAfterFin: seconds(firstDrop.t - finAt),
        droppedPackets: H.deliveries.filter((d) => d.action === 'drop').length,
      },
    ],
    flows: [flowOf(H, H.o.label, { [PA1.name]: 'tcp-fin' }), flowOf(C1, C1.o.label, { [PA2.name]: 'tcp-fin' }), flowOf(C2, C2.o.label, { [PA1.name]: 'tcp-fin' }), flowOf(dnsC, 'dns')],
    clockOffsets: {},
    tolerate: [],
    notes: [
      'half-close-timeout is severity warning: the client asked for the half-close; the firewall ended it after 120 s.',
      'The late server data and its retransmissions are the evidence (receive + drop on PA-VM-1), not separate non-syn-drop findings.',
      'Not idle-timeout-exceeded: the largest gap (149 s) is below the GWLB 350 s.',
    ],
  };
}

function buildAsymmetric(): Built {
  const sim = gwlbSim(0xa5e7);
  const a = V4;
  const end = 40;
  healthChecks(sim, 0.8, end);
  const X = new Conversation(sim, { proto: 'tcp', client: a.clients[0], clientPort: 53100, server: a.servers.A, serverPort: 443, fixedRoute: { client: PA1.name, server: PA2.name }, label: 'X asymmetric', serverDelay: 12 * MS });
  // SYN through PA-VM-1; each SYN-ACK comes back through PA-VM-2, which never saw the SYN and drops it.
  const synAt = [5.0, 6.0, 8.0, 12.0];
  const cIsn = X.cNxt;
  const sIsn = X.sNxt;
  synAt.forEach((s, i) => {
    X.tcp(S(s), true, SYN, 0, i === 0 ? {} : { seq: cIsn });
    X.tcp(S(s) + 2 * X.serverDelay, false, SYN | ACK, 0, i === 0 ? { delivered: false } : { seq: sIsn, delivered: false });
  });
  const C1 = new Conversation(sim, { proto: 'tcp', client: a.clients[1], clientPort: 49101, server: a.servers.C1, serverPort: 443, targets: [PA1.name], label: 'C clean 1' });
  C1.close(C1.tlsSession(S(3.1), 2500) + S(0.2), true);
  const C2 = new Conversation(sim, { proto: 'tcp', client: a.clients[2], clientPort: 49102, server: a.servers.C2, serverPort: 443, targets: [PA2.name], label: 'C clean 2' });
  C2.close(C2.tlsSession(S(9.4), 1500) + S(0.2), false);
  const dnsC = new Conversation(sim, { proto: 'udp', client: a.clients[0], clientPort: 53030, server: a.servers.DNS, serverPort: 53, label: 'dns' });
  dnsLookup(dnsC, S(4.95), 'api.example.com', a.servers.A);
  sim.run();
  return {
    sim,
    devices: [PA1.name, PA2.name],
    stages: CAPTURE_STAGES,
    endSeconds: end,
    findings: [{ ...base(X, 'asymmetric-path', 'critical'), forwardDevice: PA1.name, reverseDevice: PA2.name }],
    flows: [flowOf(X, X.o.label, { [PA1.name]: 'incomplete' }), flowOf(C1, C1.o.label, { [PA1.name]: 'tcp-fin' }), flowOf(C2, C2.o.label, { [PA2.name]: 'tcp-fin' }), flowOf(dnsC, 'dns')],
    clockOffsets: {},
    tolerate: [],
    notes: [
      'asymmetric-path only (critical): the incomplete handshake and PA-VM-2\'s non-SYN drops of the SYN-ACKs are its consequence and evidence, not separate findings (one cause, one finding).',
      'Not session-moved: the SYN-ACK arrives milliseconds after the SYN, no idle gap.',
      'The reverse direction enters through a second GWLB endpoint (other endpoint id and cookie), as with two GWLBs / a routing mistake.',
      'The client retries the SYN 3 times (1 s, 2 s, 4 s backoff); every SYN-ACK is dropped on PA-VM-2.',
    ],
  };
}

function buildHa(ns: boolean): Built {
  const sim = new Simulation(0x4aa4);
  sim.addFirewall('fw-a', '10.10.0.1', sim.haVirtualMac, 0);
  sim.addFirewall('fw-b', '10.10.0.2', sim.haVirtualMac, 2.0);
  const a = V4;
  const end = 30;
  // H1: arrives on fw-a, the session owner is fw-b: HA3 carries it, it leaves fw-b.
  const H1 = new Conversation(sim, { proto: 'tcp', client: a.clients[0], clientPort: 51544, server: a.servers.A, serverPort: 443, ha: { clientRx: 'fw-a', serverRx: 'fw-b', owner: 'fw-b' }, label: 'H1 via HA3' });
  H1.close(H1.tlsSession(S(3.0), 12000) + S(0.5), true);
  const H2 = new Conversation(sim, { proto: 'tcp', client: a.clients[1], clientPort: 40200, server: a.servers.B, serverPort: 443, ha: { clientRx: 'fw-a', serverRx: 'fw-a', owner: 'fw-a' }, label: 'H2 fw-a only' });
  H2.close(H2.tlsSession(S(6.2), 4000) + S(0.4), false);
  const H3 = new Conversation(sim, { proto: 'tcp', client: a.clients[2], clientPort: 40300, server: a.servers.C1, serverPort: 443, ha: { clientRx: 'fw-b', serverRx: 'fw-b', owner: 'fw-b' }, label: 'H3 fw-b only' });
  H3.close(H3.tlsSession(S(9.9), 3000) + S(0.4), true);
  const H4 = new Conversation(sim, { proto: 'udp', client: a.clients[0], clientPort: 53040, server: a.servers.DNS, serverPort: 53, ha: { clientRx: 'fw-a', serverRx: 'fw-b', owner: 'fw-b' }, label: 'H4 dns via HA3' });
  dnsLookup(H4, S(2.9), 'api.example.com', a.servers.A);
  sim.run();
  return {
    sim,
    devices: ['fw-a', 'fw-b'],
    stages: CAPTURE_STAGES,
    endSeconds: end,
    findings: [],
    flows: [
      flowOf(H1, H1.o.label, { 'fw-b': 'tcp-fin' }),
      flowOf(H2, H2.o.label, { 'fw-a': 'tcp-fin' }),
      flowOf(H3, H3.o.label, { 'fw-b': 'tcp-fin' }),
      flowOf(H4, H4.o.label),
    ],
    clockOffsets: {},
    tolerate: ['info'],
    clockEstimates: [{ device: 'fw-b', relativeTo: 'fw-a', offsetSeconds: -2.0, toleranceSeconds: 0.01 }],
    notes: [
      'No warning or critical finding. Info findings are tolerated (e.g. "packets of H1/H4 received on fw-a leave from fw-b: HA3 forwarding").',
      'fw-b\'s clock runs 2 s ahead and no --clock-offset is given: the analyzer should estimate fw-b = -2.0 s relative to fw-a from the H1/H4 client packets (fw-a receive vs fw-b firewall/transmit; HA3 adds 50-250 us) and report it, not apply it.',
      'Plain Ethernet with an 802.1Q tag (VLAN 100), no GENEVE; the firewalls route, so the transmitted copy has TTL - 1 (IP ID, TCP fields and payload unchanged).',
      'fw-a receive packets of H1 and H4 are in neither fw-a transmit nor fw-a drop: they are not "not-forwarded", they crossed HA3.',
    ],
  };
}

/** Builds a scenario's captures (every device x stage, even empty files) and what an analyzer must find. */
export function generateScenario(name: ScenarioName | string, variant: Variant = DEFAULT_VARIANT[name as ScenarioName] ?? 'pcap-le-us'): GeneratedScenario {
  const info = variantInfo(variant);
  let built: Built;
  switch (name) {
    case 'gwlb-incident': built = buildIncident(false, info.nanosecond); break;
    case 'gwlb-incident-v6-skew': built = buildIncident(true, info.nanosecond); break;
    case 'keepalive-control': built = buildKeepaliveControl(); break;
    case 'half-close': built = buildHalfClose(info.nanosecond); break;
    case 'asymmetric': built = buildAsymmetric(); break;
    case 'ha-active-active': built = buildHa(info.nanosecond); break;
    default: throw new Error(`unknown scenario ${name}; one of ${SCENARIOS.join(', ')}`);
  }
  const files: GeneratedFile[] = [];
  for (const device of built.devices) {
    for (const stage of built.stages) {
      const records = built.sim.recordsOf(device, stage).map((r, i) => ({
        t: r.t,
        frame: r.frame,
        comment: i === 0 && info.format === 'pcapng' ? `stagediff generator: scenario ${name}, ${device} ${stage}` : null,
      }));
      const fileName = `${device}_${stage}.${info.extension}`;
      files.push({ device, stage, fileName, bytes: concat(captureChunks(records, variant, `${device}/${stage}`)) });
    }
  }
  const expected: ExpectedFindings = {
    scenario: name,
    variant,
    captureStart: isoTime(0),
    clockOffsets: built.clockOffsets,
    findings: built.findings,
    tolerate: built.tolerate,
    ...(built.clockEstimates ? { clockEstimates: built.clockEstimates } : {}),
    settings: { ...DEFAULT_SETTINGS },
    flows: built.flows,
    notes: built.notes,
  };
  return { files, expected };
}

// =====================================================================================
// Bulk: many GWLB flows for benchmarks, streamed (2 GB+ without holding a file)
// =====================================================================================

export const BULK_FILES = [
  { device: 'PA-VM-1', stage: 'receive' },
  { device: 'PA-VM-1', stage: 'transmit' },
  { device: 'PA-VM-2', stage: 'receive' },
  { device: 'PA-VM-2', stage: 'transmit' },
] as const;

export interface BulkSink {
  /** Takes ownership of `chunk` (the generator never reuses it). May return a promise (backpressure). */
  write(fileIndex: number, chunk: Uint8Array): void | Promise<void>;
}

export interface BulkSummary {
  variant: Variant;
  bytes: number;
  packets: number;
  flows: number;
  files: { device: string; stage: string; fileName: string; bytes: number; packets: number }[];
}

interface BulkFlow {
  fw: number;
  client: Uint8Array;
  server: Uint8Array;
  cport: number;
  sport: number;
  udpSrc: number;
  cookie: number;
  cSeq: number;
  sSeq: number;
  cId: number;
  sId: number;
  step: number;
  segmentsLeft: number;
  unacked: number;
  requestLen: number;
}

const BULK_CHUNK = 1 << 20;
const O_OUTER_IP = 14;
const O_UDP = 34;
const O_COOKIE = 78;
const O_INNER_IP = 82;
const O_TCP = 102;
const MAX_PAYLOAD = 1448;

/**
 * Streams ~targetBytes of GWLB GENEVE traffic (thousands of concurrent TLS-like flows, 3WHS,
 * request, 2-200 full-size segments with an ACK every second one, FIN close) into the four
 * files of BULK_FILES: each packet in its firewall's receive file and, 20-200 µs later, in its
 * transmit file. Packets are patched in place in two scratch frames; only 1 MiB chunks are held.
 */
export async function writeBulk(targetBytes: number, variant: Variant, sink: BulkSink, seed = 0xb01c): Promise<BulkSummary> {
  const info = variantInfo(variant);
  const rng = new Rng(seed);
  const pcap = new PcapWriter({ bigEndian: info.bigEndian, nanosecond: info.nanosecond, linkType: 1, snapLen: 262144 });
  const ngs = BULK_FILES.map(() => new PcapngWriter({ bigEndian: info.bigEndian, application: 'stagediff bulk generator' }));
  const files = BULK_FILES.map((f) => ({ device: f.device as string, stage: f.stage as string, fileName: `${f.device}_${f.stage}.${info.extension}`, bytes: 0, packets: 0 }));
  const bufs = BULK_FILES.map(() => new Uint8Array(BULK_CHUNK));
  const used = [0, 0, 0, 0];
  let total = 0;
  const flush = async (i: number): Promise<void> => {
    if (used[i] === 0) return;
    const chunk = bufs[i].subarray(0, used[i]);
    bufs[i] = new Uint8Array(BULK_CHUNK);
    used[i] = 0;
    const r = sink.write(i, chunk);
    if (r) await r;
  };
  // File headers.
  for (let i = 0; i < 4; i++) {
    const head = info.format === 'pcap'
      ? pcap.header()
      : concat([ngs[i].sectionHeader(), ngs[i].interfaceDescription({ linkType: 1, snapLen: 262144, name: `${BULK_FILES[i].device}/${BULK_FILES[i].stage}`, tsResolution: info.nanosecond ? 9 : 6 })]);
    bufs[i].set(head, 0);
    used[i] = head.length;
    files[i].bytes += head.length;
    total += head.length;
  }

  // Two scratch frames: data/ACK/FIN (32-byte TCP header, constant payload) and SYN (40-byte header).
  const payload = rng.bytes(MAX_PAYLOAD);
  payload[0] = 0x17;
  payload[1] = 0x03;
  payload[2] = 0x03;
  const payloadSum = new Float64Array(MAX_PAYLOAD + 1);
  for (let i = 0; i < MAX_PAYLOAD; i++) payloadSum[i + 1] = payloadSum[i] + (i % 2 === 0 ? payload[i] << 8 : payload[i]);
  const makeScratch = (tcpHeaderLen: number): Uint8Array => {
    const f = new Uint8Array(O_TCP + tcpHeaderLen + MAX_PAYLOAD);
    put16(f, 12, 0x0800);
    f[O_OUTER_IP] = 0x45;
    f[O_OUTER_IP + 8] = 64;
    f[O_OUTER_IP + 9] = 17;
    put16(f, O_UDP + 2, 6081);
    const gen = geneveHeader(0x0800, { endpointId: Uint8Array.of(0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71), attachmentId: Uint8Array.of(0, 0, 0, 0, 0x6a, 0x3c, 0x1f, 0x02), flowCookie: 0 });
    f.set(gen, O_UDP + 8);
    f[O_INNER_IP] = 0x45;
    f[O_INNER_IP + 9] = 6;
    f[O_TCP + 12] = (tcpHeaderLen / 4) << 4;
    if (tcpHeaderLen === 32) {
      f.set([1, 1, 8, 10], O_TCP + 20);
      f.set(payload, O_TCP + 32);
    } else {
      f.set([2, 4, 0x05, 0xb4, 4, 2, 8, 10], O_TCP + 20);
      f.set([1, 3, 3, 7], O_TCP + 36);
    }
    return f;
  };
  const dataFrame = makeScratch(32);
  const synFrame = makeScratch(40);
  const fwIp = [ipv4Bytes(PA1.ip), ipv4Bytes(PA2.ip)];
  const fwMac = [macBytes(PA1.mac), macBytes(PA2.mac)];
  const routerMac = macBytes('02:a0:9f:00:00:01');
  const gwlbIp = ipv4Bytes(GWLB_IP);
  const outerId = [rng.int(0, 0xffff), rng.int(0, 0xffff), rng.int(0, 0xffff)];
  const lastTx = [0, 0];

  let flowCount = 0;
  const newFlow = (): BulkFlow => {
    const k = flowCount++;
    const client = Uint8Array.of(172, 21, 40 + ((k >> 8) & 7), 1 + (k % 254));
    const server = (k & 1) === 0 ? Uint8Array.of(198, 51, 100, 1 + rng.int(0, 253)) : Uint8Array.of(203, 0, 113, 1 + rng.int(0, 253));
    const cport = 32768 + ((k * 7919) % 28000);
    const h = hashString(`${client.join('.')}|${cport}|${server.join('.')}`);
    return {
      fw: h & 1, client, server, cport, sport: 443, udpSrc: 49152 + (h % 16384), cookie: rng.u32(),
      cSeq: rng.u32(), sSeq: rng.u32(), cId: rng.int(0, 0xffff), sId: rng.int(0, 0xffff), step: 0,
      segmentsLeft: Math.min(200, 2 + Math.floor(-Math.log(1 - rng.next()) * 30)), unacked: 0, requestLen: rng.int(300, 700),
    };
  };
  const active: BulkFlow[] = [];
  for (let i = 0; i < 2000; i++) active.push(newFlow());

  let t = 2 * NS;
  let packets = 0;
  // Synchronous: the caller flushes first when the record might not fit (no promise per packet).
  const emit = (fileIndex: number, frame: Uint8Array, length: number, at: number): void => {
    const sec = Math.floor(at / NS);
    const before = used[fileIndex];
    used[fileIndex] = info.format === 'pcap'
      ? pcap.writeRecord(bufs[fileIndex], before, BASE_EPOCH_SEC + sec, at - sec * NS, frame, 0, length, length)
      : ngs[fileIndex].writeEnhancedPacket(bufs[fileIndex], before, 0, BASE_EPOCH_SEC + sec, at - sec * NS, frame, 0, length, length, null);
    files[fileIndex].bytes += used[fileIndex] - before;
    files[fileIndex].packets++;
    total += used[fileIndex] - before;
  };

  while (total < targetBytes) {
    const slot = rng.int(0, active.length - 1);
    const f = active[slot];
    // What this flow sends next.
    let fromClient = true;
    let flags = ACK;
    let len = 0;
    switch (f.step) {
      case 0: flags = SYN; f.step = 1; break;
      case 1: fromClient = false; flags = SYN | ACK; f.step = 2; break;
      case 2: flags = ACK; f.step = 3; break;
      case 3: flags = PSH | ACK; len = f.requestLen; f.step = 4; break;
      case 4:
        if (f.unacked >= 2) {
          flags = ACK; // the client's delayed ACK for two segments
          f.unacked = 0;
        } else if (f.segmentsLeft > 0) {
          fromClient = false;
          f.segmentsLeft--;
          len = f.segmentsLeft === 0 ? 1 + rng.int(100, MAX_PAYLOAD - 1) : MAX_PAYLOAD;
          flags = f.segmentsLeft === 0 ? PSH | ACK : ACK;
          f.unacked++;
          if (f.segmentsLeft === 0 && f.unacked < 2) f.unacked = 2;
        } else {
          flags = FIN | ACK;
          f.step = 5;
        }
        break;
      case 5: fromClient = false; flags = FIN | ACK; f.step = 6; break;
      default: flags = ACK; f.step = 7; break;
    }
    const syn = (flags & SYN) !== 0;
    const fr = syn ? synFrame : dataFrame;
    const tcpHdr = syn ? 40 : 32;
    const src = fromClient ? f.client : f.server;
    const dst = fromClient ? f.server : f.client;
    const seq = fromClient ? f.cSeq : f.sSeq;
    const ack = fromClient ? f.sSeq : f.cSeq;
    const tcpLen = tcpHdr + len;
    const innerLen = 20 + tcpLen;
    const udpLen = 8 + 40 + innerLen;
    const outerLen = 20 + udpLen;
    const frameLen = 14 + outerLen;
    // Inner IPv4.
    put16(fr, O_INNER_IP + 2, innerLen);
    const id = fromClient ? f.cId++ & 0xffff : f.sId++ & 0xffff;
    put16(fr, O_INNER_IP + 4, id);
    fr[O_INNER_IP + 6] = 0x40;
    fr[O_INNER_IP + 8] = fromClient ? 64 : 52;
    fr.set(src, O_INNER_IP + 12);
    fr.set(dst, O_INNER_IP + 16);
    fr[O_INNER_IP + 10] = 0;
    fr[O_INNER_IP + 11] = 0;
    put16(fr, O_INNER_IP + 10, foldChecksum(onesSum(fr, O_INNER_IP, O_INNER_IP + 20)));
    // TCP.
    put16(fr, O_TCP, fromClient ? f.cport : f.sport);
    put16(fr, O_TCP + 2, fromClient ? f.sport : f.cport);
    put32(fr, O_TCP + 4, seq);
    put32(fr, O_TCP + 8, syn && fromClient ? 0 : ack);
    fr[O_TCP + 13] = flags;
    put16(fr, O_TCP + 14, syn ? (fromClient ? 64240 : 65160) : fromClient ? 502 : 509);
    fr[O_TCP + 16] = 0;
    fr[O_TCP + 17] = 0;
    const ms = Math.floor(t / MS) >>> 0;
    put32(fr, O_TCP + (syn ? 28 : 24), (fromClient ? 0x1000000 : 0x5000000) + ms);
    put32(fr, O_TCP + (syn ? 32 : 28), syn && fromClient ? 0 : (fromClient ? 0x5000000 : 0x1000000) + ms);
    let sum = onesSum(fr, O_INNER_IP + 12, O_INNER_IP + 20) + 6 + tcpLen + onesSum(fr, O_TCP, O_TCP + tcpHdr);
    if (len > 0) sum += payloadSum[len];
    put16(fr, O_TCP + 16, foldChecksum(sum));
    const consumed = len + (syn ? 1 : 0) + (flags & FIN ? 1 : 0);
    if (fromClient) f.cSeq = (f.cSeq + consumed) >>> 0;
    else f.sSeq = (f.sSeq + consumed) >>> 0;
    // Outer IPv4 + UDP + cookie, receive direction (GWLB -> firewall).
    put16(fr, O_UDP, f.udpSrc);
    put16(fr, O_UDP + 4, udpLen);
    put32(fr, O_COOKIE, f.cookie);
    put16(fr, O_OUTER_IP + 2, outerLen);
    fr.set(fwMac[f.fw], 0);
    fr.set(routerMac, 6);
    outerHeader(fr, gwlbIp, fwIp[f.fw], outerId, 2);
    if (used[f.fw * 2] + 48 + frameLen > BULK_CHUNK) await flush(f.fw * 2);
    if (used[f.fw * 2 + 1] + 48 + frameLen > BULK_CHUNK) await flush(f.fw * 2 + 1);
    emit(f.fw * 2, fr, frameLen, t);
    // Transmit direction (firewall -> GWLB), 20-200 µs later, in time order within the file.
    fr.set(routerMac, 0);
    fr.set(fwMac[f.fw], 6);
    outerHeader(fr, fwIp[f.fw], gwlbIp, outerId, f.fw);
    const tx = Math.max(t + rng.int(20, 200) * US, lastTx[f.fw] + 100);
    lastTx[f.fw] = tx;
    emit(f.fw * 2 + 1, fr, frameLen, tx);
    packets++;
    t += rng.int(1, 12) * US;
    if (f.step === 7) active[slot] = newFlow();
  }
  for (let i = 0; i < 4; i++) await flush(i);
  return { variant, bytes: total, packets, flows: flowCount, files };
}

/** Outer IPv4 addresses, identification (per sender counter) and header checksum of a bulk frame. */
function outerHeader(fr: Uint8Array, from: Uint8Array, to: Uint8Array, ids: number[], who: number): void {
  put16(fr, O_OUTER_IP + 4, ids[who]);
  ids[who] = (ids[who] + 1) & 0xffff;
  fr.set(from, O_OUTER_IP + 12);
  fr.set(to, O_OUTER_IP + 16);
  fr[O_OUTER_IP + 10] = 0;
  fr[O_OUTER_IP + 11] = 0;
  put16(fr, O_OUTER_IP + 10, foldChecksum(onesSum(fr, O_OUTER_IP, O_OUTER_IP + 20)));
}
