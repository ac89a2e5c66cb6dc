/**
 * The block structure of a Markdown note (headings, fenced code, lists, pipe tables, paragraphs), parsed
 * line by line into plain data; markdown.tsx renders it. No HTML is ever produced from the text.
 */

export type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'code'; text: string }
  | { type: 'list'; ordered: boolean; items: string[] }
  | { type: 'table'; align: Align[]; head: string[]; rows: string[][] }
  | { type: 'paragraph'; lines: string[] };

export type Align = 'left' | 'center' | 'right' | null;

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
