/** worker_threads worker: indexes one capture file and posts the index back (typed arrays transferred). */
import { parentPort, workerData } from 'node:worker_threads';
import { indexFile } from './file-source.ts';

const { path } = workerData as { path: string };
const ix = await indexFile(path, (p) => parentPort!.postMessage({ type: 'progress', ...p }));
const transfer = [ix.tNs, ix.flow, ix.flags, ix.tcpFlags, ix.seq, ix.ack, ix.len, ix.ipId, ix.hash, ix.cookie, ix.wireLen, ix.fileOffset, ix.flowKeys].map((a) => a.buffer as ArrayBuffer);
parentPort!.postMessage({ type: 'done', ix }, transfer);
