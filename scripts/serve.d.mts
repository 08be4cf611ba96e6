// Types of scripts/serve.mjs for the TypeScript tests that import it.
export const DEFAULT_ROOT: string;
export const CSP: string;
export function resolveStatic(root: string, pathname: string): string | null;
export function startServer(opts?: { root?: string; port?: number; host?: string }): Promise<{ url: string; port: number; close(): Promise<void> }>;
