// docs/guide.md, rendered at build time (scripts/guide.mjs, served by renderer/vite.config.ts).
declare module 'virtual:stagediff-guide' {
  const guide: { title: string; html: string; toc: { id: string; text: string; depth: number }[] };
  export default guide;
}
