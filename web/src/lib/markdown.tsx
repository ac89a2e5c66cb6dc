/**
 * A small Markdown renderer for run notes that builds React elements, never HTML strings: raw HTML in
 * a note is shown as text, so a note cannot inject markup or script. Covers what notes use: headings,
 * paragraphs, bullet and numbered lists, fenced code, tables (GitHub's pipe syntax, with :--: alignment),
 * `code`, **bold**, *italic*, [links](https://...) (only http, https and mailto; anything else, e.g.
 * javascript:, stays plain text).
 */
import type { ReactNode } from 'react';
import { parseBlocks } from './markdown-blocks';

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
