/**
 * Names of the link types (LINKTYPE_* / DLT_* values as written in capture files) that stagediff
 * meets most, in libpcap's short form (pcap_datalink_val_to_name). Others read "DLT n".
 * See https://www.tcpdump.org/linktypes.html.
 */
const NAMES: { readonly [linkType: number]: string } = {
  0: 'NULL',
  1: 'EN10MB',
  9: 'PPP',
  12: 'RAW',
  101: 'RAW',
  104: 'C_HDLC',
  105: 'IEEE802_11',
  108: 'LOOP',
  113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIO',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2',
};

export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? `DLT ${linkType}`;
}

/**
 * The largest captured length a record may claim for a link type, as Wireshark's
 * wtap_max_snaplen_for_encap() has it (wiretap/wtap.c): 262144 (WTAP_MAX_PACKET_SIZE_STANDARD)
 * for all but D-Bus and USB captures (128 MiB) and EBHSCR (8 MiB). A bigger caplen is what a
 * corrupt or fuzzed file says; tshark stops there, and so do we.
 */
export function maxCapLenForLinkType(linkType: number): number {
  switch (linkType) {
    case 231: // DBUS
    case 189: // USB_LINUX
    case 220: // USB_LINUX_MMAPPED
    case 249: // USBPCAP
    case 266: // USB_DARWIN
      return 128 * 1024 * 1024;
    case 279: // EBHSCR
      return 8 * 1024 * 1024;
    default:
      return 262144;
  }
}
