// Renders docs/guide.md (the user guide's source) to HTML at build time, for the app's guide view
// (renderer/vite.config.ts serves it as the module `virtual:stagediff-guide`). marked parses;
// this renderer decides what may reach the page:
//   - raw HTML in the markdown is escaped, never passed through;
//   - links: `stagediff:COMMAND` (COMMAND in APP_LINKS) becomes a button-like link the guide view
//     handles, `#id` stays an in-page link, any other URL is shown as text (no remote content);
//   - images are replaced by their alt text;
//   - headings get ids (for the table of contents).
import { Marked } from 'marked';

/** The app commands a guide link may run. */
export const APP_LINKS = ['open-sample', 'about', 'settings'];

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export function slug(text) {
  return (
    String(text)
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/&[a-z0-9#]+;/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'section'
  );
}

/** { title, html, toc: [{ id, text, depth }] } of a markdown text. */
export function renderGuide(markdown) {
  const toc = [];
  const used = new Map();
  let title = '';
  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    renderer: {
      html({ text }) {
        return escapeHtml(text);
      },
      heading({ tokens, depth }) {
        const inner = this.parser.parseInline(tokens);
        const plain = inner.replace(/<[^>]*>/g, '');
        let id = slug(plain);
        const n = used.get(id) ?? 0;
        used.set(id, n + 1);
        if (n) id = `${id}-${n}`;
        if (depth === 1 && !title) title = plain;
        else if (depth <= 3) toc.push({ id, text: plain.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>'), depth });
        return `<h${depth} id="${escapeHtml(id)}">${inner}</h${depth}>\n`;
      },
      link({ href, tokens }) {
        const inner = this.parser.parseInline(tokens);
        const app = /^stagediff:([a-z-]+)$/.exec(href ?? '');
        if (app) {
          if (!APP_LINKS.includes(app[1])) throw new Error(`docs/guide.md: unknown app link ${href}`);
          return `<a href="#" class="app-link" data-command="${app[1]}">${inner}</a>`;
        }
        if (/^#[\w-]+$/.test(href ?? '')) return `<a href="${escapeHtml(href)}">${inner}</a>`;
        // Any other URL: text only. The guide never loads or opens anything remote.
        return `${inner} <span class="url">(${escapeHtml(href)})</span>`;
      },
      image({ text }) {
        return escapeHtml(text);
      },
    },
  });
  const html = marked.parse(markdown);
  return { title, html, toc };
}
