/**
 * MLflow's search syntax (https://mlflow.org/docs/latest/search-runs.html): clauses joined by AND, each
 * `<entity>.<key> <comparator> <value>`, e.g. `metrics.acc > 0.9 and params.lr = '0.001'`. This file only
 * reads the text into clauses; search.ts turns them into the filter compiler's AST.
 */
import { invalid } from './errors.ts';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';
export type Literal = { kind: 'string'; value: string } | { kind: 'number'; value: number; raw: string };

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  /** One value, or the list of IN / NOT IN; empty for IS [NOT] NULL. */
  values: Literal[];
  position: number;
}

const ENTITIES: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
  attr: 'attribute',
  run: 'attribute',
};

/** MLflow's filter strings are short; this bounds the work a request can ask for. */
export const MAX_FILTER_LENGTH = 10_000;
const MAX_CLAUSES = 100;
const MAX_IN_VALUES = 1000;

type Token =
  | { t: 'ident'; entity: string | null; key: string; pos: number }
  | { t: 'word'; w: string; pos: number }
  | { t: 'lit'; v: Literal; pos: number }
  | { t: 'op'; op: string; pos: number }
  | { t: '(' | ')' | ','; pos: number };

function readQuoted(s: string, i: number): { text: string; end: number } {
  const q = s[i]!;
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    if (s[j] === q) {
      if (s[j + 1] === q) {
        out += q; // SQL style: a doubled quote is one quote
        j += 2;
        continue;
      }
      return { text: out, end: j + 1 };
    }
    if (s[j] === '\\' && j + 1 < s.length) {
      out += s[j + 1];
      j += 2;
      continue;
    }
    out += s[j];
    j++;
  }
  throw invalid(`Unterminated quote starting at position ${i} of the filter`);
}

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === "'" || c === '"') {
      const q = readQuoted(s, i);
      out.push({ t: 'lit', v: { kind: 'string', value: q.text }, pos });
      i = q.end;
    } else if ('(),'.includes(c)) {
      out.push({ t: c as '(' | ')' | ',', pos });
      i++;
    } else if (/[=!<>]/.test(c)) {
      const two = s.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>'].includes(two) ? two : c;
      if (op === '!') throw invalid(`Unexpected "!" at position ${i} of the filter`);
      out.push({ t: 'op', op: op === '<>' ? '!=' : op, pos });
      i += op.length;
    } else if (/[-+\d.]/.test(c)) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(i));
      if (!m) throw invalid(`Unexpected ${JSON.stringify(c)} at position ${i} of the filter`);
      out.push({ t: 'lit', v: { kind: 'number', value: Number(m[0]), raw: m[0] }, pos });
      i += m[0].length;
    } else if (/[A-Za-z_`]/.test(c)) {
      let word: string;
      if (c === '`') {
        const q = readQuoted(s, i);
        word = q.text;
        i = q.end;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))!;
        word = m[0];
        i += word.length;
      }
      if (s[i] === '.') {
        i++;
        let key: string;
        if (s[i] === '"' || s[i] === '`') {
          const q = readQuoted(s, i);
          key = q.text;
          i = q.end;
        } else {
          // MLflow splits on the first dot: tags.mlflow.runName is the tag "mlflow.runName".
          const m = /^[^\s=!<>(),'"]+/.exec(s.slice(i));
          if (!m) throw invalid(`Missing key after "${word}." at position ${pos} of the filter`);
          key = m[0];
          i += key.length;
        }
        out.push({ t: 'ident', entity: word.toLowerCase(), key, pos });
      } else out.push({ t: 'word', w: word, pos });
    } else throw invalid(`Unexpected ${JSON.stringify(c)} at position ${i} of the filter`);
  }
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'like', 'ilike', 'in', 'not', 'is', 'null']);

/** Parses a filter into its AND-ed clauses (MLflow has no OR in run search either). */
export function parseMlflowFilter(filter: string): Clause[] {
  if (filter.length > MAX_FILTER_LENGTH) throw invalid(`filter must be at most ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  let i = 0;
  const peekWord = () => {
    const t = tokens[i];
    return t?.t === 'word' ? t.w.toLowerCase() : null;
  };
  while (i < tokens.length) {
    if (clauses.length) {
      if (peekWord() !== 'and') {
        const t = tokens[i]!;
        const word = peekWord();
        throw invalid(
          word === 'or'
            ? `OR is not supported in MLflow filters (position ${t.pos}); run two searches`
            : `Expected AND at position ${t.pos} of the filter`,
        );
      }
      i++;
    }
    if (clauses.length >= MAX_CLAUSES) throw invalid(`at most ${MAX_CLAUSES} clauses per filter`);
    const id = tokens[i++];
    let entity: Entity;
    let key: string;
    if (id?.t === 'ident') {
      const e = ENTITIES[id.entity!];
      if (!e)
        throw invalid(
          `Invalid entity type "${id.entity}" at position ${id.pos}: use metrics, params, tags, attributes or datasets`,
        );
      entity = e;
      key = id.key;
    } else if (id?.t === 'word' && !KEYWORDS.has(id.w.toLowerCase())) {
      entity = 'attribute'; // `status = 'FINISHED'` as for attributes.status
      key = id.w;
    } else throw invalid(`Expected an identifier such as metrics.acc at position ${id?.pos ?? filter.length}`);
    const position = id.pos;
    const { comparator, values } = readComparison(tokens, i, filter.length);
    i = values.next;
    clauses.push({ entity, key, comparator, values: values.list, position });
  }
  return clauses;
}

function readComparison(tokens: Token[], start: number, end: number) {
  let i = start;
  const t = tokens[i++];
  const word = (k: Token | undefined) => (k?.t === 'word' ? k.w.toLowerCase() : null);
  const literal = (): Literal => {
    const v = tokens[i++];
    if (v?.t !== 'lit') throw invalid(`Expected a quoted string or a number at position ${v?.pos ?? end}`);
    return v.v;
  };
  let comparator: Comparator;
  if (t?.t === 'op') comparator = t.op as Comparator;
  else if (word(t) === 'like' || word(t) === 'ilike') comparator = word(t)!.toUpperCase() as Comparator;
  else if (word(t) === 'in' || (word(t) === 'not' && word(tokens[i]) === 'in')) {
    if (word(t) === 'not') i++;
    comparator = word(t) === 'not' ? 'NOT IN' : 'IN';
    if (tokens[i++]?.t !== '(') throw invalid(`Expected "(" after ${comparator}`);
    const list: Literal[] = [];
    for (;;) {
      if (list.length >= MAX_IN_VALUES) throw invalid(`at most ${MAX_IN_VALUES} values in an IN list`);
      list.push(literal());
      const sep = tokens[i++];
      if (sep?.t === ')') break;
      if (sep?.t !== ',') throw invalid(`Expected "," or ")" in the ${comparator} list`);
    }
    return { comparator, values: { list, next: i } };
  } else if (word(t) === 'is') {
    const not = word(tokens[i]) === 'not';
    if (not) i++;
    if (word(tokens[i++]) !== 'null') throw invalid('Expected NULL after IS');
    return { comparator: (not ? 'IS NOT NULL' : 'IS NULL') as Comparator, values: { list: [], next: i } };
  } else throw invalid(`Expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN) at position ${t?.pos ?? end}`);
  return { comparator, values: { list: [literal()], next: i } };
}
