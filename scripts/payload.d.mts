// Types of scripts/payload.mjs for the TypeScript tests that import it.
export const ALLOWED: RegExp[];
export const REQUIRED: string[];
export const MAX_BYTES: number;
export function externalModules(code: string): string[];
export function checkFiles(files: Map<string, number>, read: (path: string) => Uint8Array, opts?: { version?: string }): string[];
export function packApp(work: string): Promise<string>;
export function checkPayload(opts?: { keep?: boolean }): Promise<{
  archive: string | null;
  archiveBytes: number;
  contentBytes: number;
  fileCount: number;
  files: { path: string; size: number }[];
  problems: string[];
}>;
