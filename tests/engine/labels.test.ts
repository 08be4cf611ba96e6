import { describe, expect, it } from 'vitest';
import { inferLabel, LabelError, parseCaptureArg } from '../../shared/engine/labels.ts';

describe('capture labels', () => {
  it.each([
    ['PA-VM-1_receive.pcap', 'PA-VM-1', 'receive'],
    ['fw2-rx.pcapng', 'fw2', 'receive'],
    ['vm2_drop.pcap', 'vm2', 'drop'],
    ['/captures/PA-VM-2_transmit.pcap', 'PA-VM-2', 'transmit'],
    ['C:\\caps\\edge-fw_fw.cap', 'edge-fw', 'firewall'],
    ['fw-1_tx.pcap', 'fw-1', 'transmit'],
    ['core_dp.pcap', 'core', 'drop'],
    ['core.dropped.pcapng', 'core', 'drop'],
    ['RECV-node7.pcap', 'node7', 'receive'],
  ])('%s -> %s / %s', (path, device, stage) => {
    expect(inferLabel(path)).toMatchObject({ device, stage, labelled: 'inferred' });
  });

  it('falls back to the file name and stage unknown', () => {
    expect(inferLabel('/x/capture-2023.pcap')).toEqual({ device: 'capture-2023.pcap', stage: 'unknown', labelled: 'none' });
  });

  it('takes DEVICE:STAGE=PATH literally, stage aliases included', () => {
    expect(parseCaptureArg('PA-VM-1:rx=/tmp/a.pcap')).toMatchObject({ device: 'PA-VM-1', stage: 'receive', path: '/tmp/a.pcap' });
    expect(parseCaptureArg('fw:drop=C:\\a=b.pcap')).toMatchObject({ device: 'fw', stage: 'drop', path: 'C:\\a=b.pcap' });
  });

  it('names a wrong stage word', () => {
    expect(() => parseCaptureArg('fw1:recieve=a.pcap')).toThrow(LabelError);
    expect(() => parseCaptureArg('fw1:recieve=a.pcap')).toThrow(/unknown stage "recieve"/);
  });
});
