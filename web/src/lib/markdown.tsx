/**
 * A small Markdown renderer for run notes that builds React elements, never HTML strings: raw HTML in
 * a note is shown as text, so a note cannot inject markup or script. Covers what notes use: headings,
 * paragraphs, bullet and numbered lists, fenced code, tables (GitHub's pipe syntax, with :--: alignment),
 * `code`, **bold**, *italic*, [links](https://...) (only http, https and mailto; anything else, e.g.
 * javascript:, stays plain text).
 */
import type { ReactNode } from 'react';

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

/** Inline spans: code first (its content is literal), then links, bold, italic. */
export function renderInline(text: string, keyPrefix = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*/g;
  let last = 0;
  let n = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const key = `${keyPrefix}-${n++}`;
    if (m[1] !== undefined) out.push(<code key={key}>{m[1]}</code>);
    else if (m[2] !== undefined) {
      const url = m[3]!;
      out.push(
        SAFE_URL.test(url) ? (
          <a key={key} href={url} rel="noopener noreferrer nofollow" target="_blank">
            {renderInline(m[2], key)}
          </a>
        ) : (
          m[0]
        ),
      );
    } else if (m[4] !== undefined || m[5] !== undefined)
      out.push(<strong key={key}>{renderInline(m[4] ?? m[5]!, key)}</strong>);
    else out.push(<em key={key}>{renderInline(m[6]!, key)}</em>);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'code'; text: string }
  | { type: 'list'; ordered: boolean; items: string[] }
  | { type: 'table'; align: Align[]; head: string[]; rows: string[][] }
  | { type: 'paragraph'; lines: string[] };

type Align = 'left' | 'center' | 'right' | null;

/** The cells of a `| a | b |` row: outer pipes optional, `\|` is a literal pipe. */
export function tableCells(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  const text = line.trim().replace(/^\|/, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '' || !text.endsWith('|')) cells.push(cur.trim());
  return cells;
}

/** A delimiter row (`|---|:--:|--:|`) gives each column's alignment; anything else is not one. */
function delimiterRow(line: string | undefined): Align[] | null {
  if (line === undefined || !line.includes('-')) return null;
  const cells = tableCells(line);
  if (!cells.length || !cells.every((c) => /^:?-+:?$/.test(c))) return null;
  return cells.map((c) =>
    c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : null,
  );
}

/** A table starts at a row with a pipe followed by a delimiter row with as many cells. */
function tableAt(lines: string[], i: number): Align[] | null {
  const line = lines[i]!;
  if (!line.includes('|')) return null;
  const align = delimiterRow(lines[i + 1]);
  return align && align.length === tableCells(line).length ? align : null;
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;

/** Splits the text into blocks, line by line. */
export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) {
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) body.push(lines[i]!);
      i++; // closing fence (or end of text)
      blocks.push({ type: 'code', text: body.join('\n') });
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      blocks.push({ type: 'heading', level: h[1]!.length, text: h[2]!.trim() });
      i++;
      continue;
    }
    const align = tableAt(lines, i);
    if (align) {
      const head = tableCells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && lines[i]!.includes('|') && lines[i]!.trim() !== ''; i++) {
        // Rows are cut or padded to the header's width, as GitHub does.
        const cells = tableCells(lines[i]!);
        rows.push(head.map((_, j) => cells[j] ?? ''));
      }
      blocks.push({ type: 'table', align, head, rows });
      continue;
    }
    const li = LIST_ITEM.exec(line);
    if (li) {
      const ordered = /\d/.test(li[1]!);
      const items: string[] = [];
      for (
        let m = LIST_ITEM.exec(lines[i] ?? '');
        m && /\d/.test(m[1]!) === ordered;
        m = LIST_ITEM.exec(lines[i] ?? '')
      ) {
        items.push(m[2]!);
        i++;
      }
      blocks.push({ type: 'list', ordered, items });
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !/^(#{1,6}\s|\s*```)/.test(lines[i]!) &&
      !LIST_ITEM.test(lines[i]!) &&
      !tableAt(lines, i)
    )
      para.push(lines[i++]!);
    blocks.push({ type: 'paragraph', lines: para });
  }
  return blocks;
}

export function Markdown({ source, className }: { source: string; className?: string }) {
  const blocks = parseBlocks(source);
  return (
    <div className={className ?? 'markdown'} data-testid="markdown">
      {blocks.map((b, i) => {
        const key = `b${i}`;
        switch (b.type) {
          case 'heading': {
            // Notes live under the page's own headings: # renders as h3.
            const Tag = `h${Math.min(6, b.level + 2)}` as 'h3';
            return <Tag key={key}>{renderInline(b.text, key)}</Tag>;
          }
          case 'code':
            return (
              <pre key={key}>
                <code>{b.text}</code>
              </pre>
            );
          case 'table':
            return (
              <div key={key} className="table-scroll">
                <table className="grid">
                  <thead>
                    <tr>
                      {b.head.map((h, j) => (
                        <th key={`${key}-h${j}`} style={b.align[j] ? { textAlign: b.align[j]! } : undefined}>
                          {renderInline(h, `${key}-h${j}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {b.rows.map((row, r) => (
                      <tr key={`${key}-r${r}`}>
                        {row.map((cell, j) => (
                          <td key={`${key}-r${r}-${j}`} style={b.align[j] ? { textAlign: b.align[j]! } : undefined}>
                            {renderInline(cell, `${key}-r${r}-${j}`)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          case 'list': {
            const items = b.items.map((t, j) => <li key={`${key}-${j}`}>{renderInline(t, `${key}-${j}`)}</li>);
            return b.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
          }
          default:
            return (
              <p key={key}>
                {b.lines.flatMap((l, j) =>
                  j
                    ? [<br key={`${key}-br${j}`} />, ...renderInline(l, `${key}-${j}`)]
                    : renderInline(l, `${key}-${j}`),
                )}
              </p>
            );
        }
      })}
    </div>
  );
}
