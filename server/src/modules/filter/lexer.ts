/**
 * Tokenizer for the run filter language.
 *
 * Field paths are lexed as ONE token (`config.a."b.c".0`, metrics.`train/loss`) rather than
 * words and dots, because path segments have their own rules: they may start with a digit
 * (array indices) and may be quoted to hold dots or other special characters, which would
 * otherwise clash with number and string literals.
 */
import { FilterError } from './errors.ts';

export interface PathSegment {
  text: string;
  /** Written as "..." / '...' / `...`: never a keyword, may contain dots. */
  quoted: boolean;
  position: number;
}

export type Token =
  | { kind: 'path'; segments: PathSegment[]; position: number; end: number }
  | { kind: 'number'; value: number; raw: string; position: number; end: number }
  | { kind: 'string'; value: string; position: number; end: number }
  | { kind: 'op'; value: '=' | '!=' | '<' | '<=' | '>' | '>=' | '~'; position: number; end: number }
  | { kind: '(' | ')' | ','; position: number; end: number }
  | { kind: 'eof'; position: number; end: number };

/** Unicode letters so non-English config keys (config.größe) need no quoting. */
const WORD_START = /[\p{L}_]/u;
/** `-` and `/` are allowed inside words so metric keys like train/loss and lr-decay need no quotes. */
const WORD_CHAR = /[\p{L}\p{N}_\-/]/u;
const NUMBER_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '`': '`',
};

export function describeChar(ch: string): string {
  return JSON.stringify(ch);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;

  /** Reads a quoted run starting at the opening quote; returns the decoded text and the end offset. */
  function readQuoted(start: number): { value: string; end: number } {
    const quote = source[start]!;
    let out = '';
    let j = start + 1;
    while (j < n) {
      const ch = source[j]!;
      if (ch === quote) return { value: out, end: j + 1 };
      if (ch === '\\') {
        const next = source[j + 1];
        if (next === undefined) break;
        if (next === 'u') {
          const hex = source.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            throw new FilterError(`Invalid escape "\\u${hex}" at position ${j}: expected 4 hex digits`, j);
          }
          out += String.fromCharCode(parseInt(hex, 16));
          j += 6;
          continue;
        }
        const mapped = ESCAPES[next];
        if (mapped === undefined) {
          throw new FilterError(`Invalid escape "\\${next}" at position ${j}: use \\\\ for a backslash`, j);
        }
        out += mapped;
        j += 2;
        continue;
      }
      out += ch;
      j++;
    }
    throw new FilterError(`Unterminated string at position ${start}: missing closing ${quote}`, start);
  }

  function readWord(start: number): number {
    let j = start;
    while (j < n && WORD_CHAR.test(source[j]!)) j++;
    return j;
  }

  function readNumber(start: number): Token {
    // A leading '-' belongs to the literal: there is no arithmetic, so it cannot be an operator.
    const negative = source[start] === '-';
    const bodyStart = negative ? start + 1 : start;
    const rest = source.slice(bodyStart);
    let raw: string;
    let value: number;
    let end: number;
    const word = /^(infinity|nan)\b/i.exec(rest);
    if (word && !(negative && word[1]!.toLowerCase() === 'nan')) {
      end = bodyStart + word[1]!.length;
      value = word[1]!.toLowerCase() === 'nan' ? NaN : negative ? -Infinity : Infinity;
      raw = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    } else {
      const m = NUMBER_RE.exec(rest);
      if (!m) {
        throw new FilterError(
          `Unexpected ${describeChar(source[start]!)} at position ${start}: expected a number`,
          start,
        );
      }
      end = bodyStart + m[0].length;
      raw = (negative ? '-' : '') + m[0];
      value = Number(raw);
    }
    // `12abc`, `1.2.3`, `1e`: reject instead of silently splitting into two tokens.
    if (end < n && /[\p{L}\p{N}_.]/u.test(source[end]!)) {
      throw new FilterError(
        `Invalid number at position ${start}: ${JSON.stringify(source.slice(start, end + 1))}`,
        start,
      );
    }
    return { kind: 'number', value, raw, position: start, end };
  }

  while (i < n) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, position: start, end: start + 1 });
      i++;
    } else if (ch === '=' || ch === '~') {
      // `==` is a common slip from programming languages; accept it as `=`.
      const len = ch === '=' && source[i + 1] === '=' ? 2 : 1;
      tokens.push({ kind: 'op', value: ch, position: start, end: start + len });
      i += len;
    } else if (ch === '!') {
      if (source[i + 1] !== '=')
        throw new FilterError(`Unexpected "!" at position ${start}: did you mean "!="?`, start);
      tokens.push({ kind: 'op', value: '!=', position: start, end: start + 2 });
      i += 2;
    } else if (ch === '<' || ch === '>') {
      if (ch === '<' && source[i + 1] === '>') {
        tokens.push({ kind: 'op', value: '!=', position: start, end: start + 2 });
        i += 2;
      } else if (source[i + 1] === '=') {
        tokens.push({ kind: 'op', value: ch === '<' ? '<=' : '>=', position: start, end: start + 2 });
        i += 2;
      } else {
        tokens.push({ kind: 'op', value: ch, position: start, end: start + 1 });
        i++;
      }
    } else if (ch === '"' || ch === "'") {
      const { value, end } = readQuoted(start);
      tokens.push({ kind: 'string', value, position: start, end });
      i = end;
    } else if (/[0-9.+-]/.test(ch)) {
      // '+' is allowed as a sign for symmetry with exponents; it is dropped from `raw`.
      const from = ch === '+' ? start + 1 : start;
      if (ch === '+' && !/[0-9.]/.test(source[from] ?? '')) {
        throw new FilterError(`Unexpected "+" at position ${start}: expected a number`, start);
      }
      const tok = readNumber(from);
      tokens.push({ ...tok, position: start });
      i = tok.end;
    } else if (WORD_START.test(ch)) {
      const segments: PathSegment[] = [];
      let j = readWord(start);
      segments.push({ text: source.slice(start, j), quoted: false, position: start });
      while (source[j] === '.') {
        const segStart = j + 1;
        const c = source[segStart];
        if (c === '"' || c === "'" || c === '`') {
          const q = readQuoted(segStart);
          segments.push({ text: q.value, quoted: true, position: segStart });
          j = q.end;
        } else if (c !== undefined && WORD_CHAR.test(c)) {
          const e = readWord(segStart);
          segments.push({ text: source.slice(segStart, e), quoted: false, position: segStart });
          j = e;
        } else {
          const what = c === undefined ? 'end of input' : describeChar(c);
          throw new FilterError(
            `Unexpected ${what} at position ${segStart}: expected a field name after "."`,
            segStart,
          );
        }
      }
      tokens.push({ kind: 'path', segments, position: start, end: j });
      i = j;
    } else if (ch === '`') {
      throw new FilterError(
        `Unexpected "\`" at position ${start}: backticks quote path segments (config.\`a/b\`); use "..." for strings`,
        start,
      );
    } else {
      throw new FilterError(`Unexpected character ${describeChar(ch)} at position ${start}`, start);
    }
  }
  tokens.push({ kind: 'eof', position: n, end: n });
  return tokens;
}
