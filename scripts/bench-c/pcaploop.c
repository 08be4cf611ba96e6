/*
 * The C baseline of `npm run bench`: the minimal loop over the same records with libpcap.
 * Opens each capture with pcap_open_offline, reads every record with pcap_next_ex and does a
 * cheap parse of each packet (Ethernet, IPv4/IPv6, the UDP/TCP ports; for GENEVE on UDP 6081 the
 * inner Ethernet/IPv4/TCP 5-tuple too), folding everything into a checksum that is printed, so the
 * compiler cannot drop the work. Single-threaded, files one after another.
 *   gcc -O2 -o pcaploop pcaploop.c -lpcap && ./pcaploop FILE...
 * Prints one JSON line: {"packets":N,"bytes":N,"caplen":N,"innerTuples":N,"checksum":N,"secs":S}
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline uint32_t rd16(const u_char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static inline uint32_t rd32(const u_char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

#define FNV(h, v) ((h) = ((h) ^ (uint64_t)(v)) * 1099511628211ULL)

/* Parses an IPv4/IPv6 packet (ethertype et) at p and its UDP/TCP ports; returns a hash of the
   5-tuple (plus seq and flags for TCP), 0 if none. For GENEVE (UDP 6081) sets inner and innerEt to
   the encapsulated packet (protocol type 0x0800/0x86dd as AWS GWLB sends, or 0x6558 Ethernet). */
static uint64_t tuple(uint32_t et, const u_char *p, uint32_t len, const u_char **inner, uint32_t *innerLen, uint32_t *innerEt) {
  *inner = NULL;
  uint64_t h = 1469598103934665603ULL;
  uint32_t proto, l4;
  if (et == 0x0800) {
    if (len < 20) return 0;
    proto = p[9];
    FNV(h, rd32(p + 12));
    FNV(h, rd32(p + 16));
    l4 = (p[0] & 15) * 4;
  } else if (et == 0x86dd) {
    if (len < 40) return 0;
    proto = p[6];
    for (int i = 8; i < 40; i += 4) FNV(h, rd32(p + i));
    l4 = 40;
  } else return 0;
  FNV(h, proto);
  if ((proto == 6 || proto == 17) && len >= l4 + 4) {
    uint32_t sp = rd16(p + l4), dp = rd16(p + l4 + 2);
    FNV(h, sp << 16 | dp);
    if (proto == 17 && dp == 6081 && len >= l4 + 16) {
      const u_char *g = p + l4 + 8;
      uint32_t end = l4 + 8 + 8 + (g[0] & 63) * 4, pt = rd16(g + 2);
      if (len > end) {
        *inner = p + end;
        *innerLen = len - end;
        *innerEt = pt;
        if (pt == 0x6558) {
          if (*innerLen < 14) *inner = NULL;
          else { *innerEt = rd16(*inner + 12); *inner += 14; *innerLen -= 14; }
        }
      }
    } else if (proto == 6 && len >= l4 + 14) {
      FNV(h, rd32(p + l4 + 4)); /* seq */
      FNV(h, p[l4 + 13]);       /* flags */
    }
  }
  return h;
}

int main(int argc, char **argv) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t packets = 0, bytes = 0, caplen = 0, tuples = 0, sum = 0;
  char err[PCAP_ERRBUF_SIZE];
  for (int i = 1; i < argc; i++) {
    pcap_t *pc = pcap_open_offline(argv[i], err);
    if (!pc) { fprintf(stderr, "%s: %s\n", argv[i], err); return 1; }
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
      packets++;
      bytes += hdr->len;
      caplen += hdr->caplen;
      const u_char *in = NULL;
      uint32_t inLen = 0, inEt = 0, et = 0, off = 14;
      uint64_t h = 0;
      if (hdr->caplen >= 14) {
        et = rd16(data + 12);
        if (et == 0x8100 && hdr->caplen >= 18) { et = rd16(data + 16); off = 18; }
        h = tuple(et, data + off, hdr->caplen - off, &in, &inLen, &inEt);
      }
      if (in) {
        const u_char *in2;
        uint32_t l2, e2;
        uint64_t hi = tuple(inEt, in, inLen, &in2, &l2, &e2);
        if (hi) tuples++;
        h ^= hi * 31;
      }
      sum += h ^ ((uint64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec);
    }
    if (rc == -1) fprintf(stderr, "%s: %s\n", argv[i], pcap_geterr(pc));
    pcap_close(pc);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("{\"packets\":%llu,\"bytes\":%llu,\"caplen\":%llu,\"innerTuples\":%llu,\"checksum\":%llu,\"secs\":%.6f}\n",
         (unsigned long long)packets, (unsigned long long)bytes, (unsigned long long)caplen,
         (unsigned long long)tuples, (unsigned long long)sum, secs);
  return 0;
}
