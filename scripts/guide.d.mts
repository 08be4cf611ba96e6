// Types of scripts/guide.mjs for the TypeScript code that imports it (vite.config.ts, tests).
export interface GuideTocEntry {
  id: string;
  text: string;
  depth: number;
}
export interface Guide {
  title: string;
  html: string;
  toc: GuideTocEntry[];
}
export const APP_LINKS: string[];
export function slug(text: string): string;
export function renderGuide(markdown: string): Guide;
