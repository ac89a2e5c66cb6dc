/**
 * Recursive-descent parser for the run filter language.
 *
 *   filter    := or EOF
 *   or        := and (OR and)*
 *   and       := unary (AND unary)*
 *   unary     := NOT unary | "(" or ")" | predicate          -- so NOT binds tighter than AND > OR
 *   predicate := field ( op value | [NOT] BETWEEN value AND value | [NOT] IN "(" value ("," value)* ")"
 *                      | [NOT] HAS value | [NOT] EXISTS )
 *   field     := config.<path> | metrics.<key> | (min|max) "(" metrics.<key> ")" | column
 *
 * Type checking (e.g. `name < 3`) happens in the compiler, which knows each field's SQL type;
 * the parser only checks shape, so the AST stays useful for other consumers.
 */
import type { CompareOp, FieldRef, FilterNode, FilterValue, PredicateNode } from './ast.ts';
import { FILTER_LIMITS, FilterError } from './errors.ts';
import { FIELDS_HINT, resolveField } from './fields.ts';
import { type Token, tokenize } from './lexer.ts';

const KEYWORDS = new Set(['and', 'or', 'not', 'between', 'in', 'has', 'exists', 'true', 'false', 'null']);
const OPERATORS_HINT = 'an operator (= != < <= > >= ~ BETWEEN IN HAS EXISTS)';

class Parser {
  private i = 0;
  private depth = 0;
  private predicates = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of input';
    const text = this.source.slice(t.position, t.end);
    return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  }

  unexpected(t: Token, expected: string): FilterError {
    return new FilterError(
      `Unexpected ${this.describe(t)} at position ${t.position}: expected ${expected}`,
      t.position,
    );
  }

  /** The lower-cased word when `t` is a single bare word (keywords are case-insensitive). */
  private word(t: Token): string | undefined {
    if (t.kind !== 'path' || t.segments.length !== 1 || t.segments[0]!.quoted) return undefined;
    return t.segments[0]!.text.toLowerCase();
  }

  private isKeyword(t: Token, kw: string): boolean {
    return this.word(t) === kw;
  }

  private expect(kind: '(' | ')', expected: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.unexpected(t, expected);
    return this.next();
  }

  private enter(t: Token): void {
    if (++this.depth > FILTER_LIMITS.maxDepth) {
      throw new FilterError(
        `Filter nested too deeply at position ${t.position}: at most ${FILTER_LIMITS.maxDepth} levels of parentheses and NOT`,
        t.position,
      );
    }
  }

  /** Used by parseField: nothing may follow a sort key. */
  expectEnd<T>(result: T): T {
    const t = this.peek();
    if (t.kind !== 'eof') throw this.unexpected(t, 'end of the field');
    return result;
  }

  parseFilter(): FilterNode {
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.unexpected(t, 'AND, OR or end of input');
    return node;
  }

  private parseOr(): FilterNode {
    const first = this.parseAnd();
    const children = [first];
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      children.push(this.parseAnd());
    }
    return children.length === 1 ? first : { type: 'or', children, position: first.position };
  }

  private parseAnd(): FilterNode {
    const first = this.parseUnary();
    const children = [first];
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      children.push(this.parseUnary());
    }
    return children.length === 1 ? first : { type: 'and', children, position: first.position };
  }

  private parseUnary(): FilterNode {
    const t = this.peek();
    if (this.isKeyword(t, 'not')) {
      this.next();
      this.enter(t);
      const child = this.parseUnary();
      this.depth--;
      return { type: 'not', child, position: t.position };
    }
    if (t.kind === '(') {
      this.next();
      this.enter(t);
      const inner = this.parseOr();
      this.expect(')', 'AND, OR or ")"');
      this.depth--;
      return inner;
    }
    if (t.kind !== 'path' || this.isReserved(t)) throw this.unexpected(t, 'a field, NOT or "("');
    return this.parsePredicate();
  }

  private isReserved(t: Token): boolean {
    const w = this.word(t);
    return w !== undefined && KEYWORDS.has(w);
  }

  /** A field reference: the left-hand side of a predicate, or a whole sort key. */
  parseField(): FieldRef {
    const t = this.peek();
    if (t.kind !== 'path' || this.isReserved(t)) throw this.unexpected(t, `a field: ${FIELDS_HINT}`);
    const fn = this.word(t);
    if ((fn === 'min' || fn === 'max') && this.peek(1).kind === '(') {
      this.next();
      this.next();
      const inner = this.peek();
      if (inner.kind !== 'path') throw this.unexpected(inner, `metrics.<key> inside ${fn}()`);
      const field = resolveField(this.source, inner);
      if (field.kind !== 'metric') {
        throw new FilterError(
          `${fn}() at position ${t.position} applies only to metrics: write ${fn}(metrics.<key>)`,
          inner.position,
        );
      }
      this.next();
      const close = this.expect(')', `")" to close ${fn}(`);
      return { ...field, aggregate: fn, position: t.position, text: this.source.slice(t.position, close.end) };
    }
    this.next();
    return resolveField(this.source, t);
  }

  private parsePredicate(): FilterNode {
    const field = this.parseField();
    if (++this.predicates > FILTER_LIMITS.maxPredicates) {
      throw new FilterError(
        `Too many predicates at position ${field.position}: a filter may hold at most ${FILTER_LIMITS.maxPredicates}`,
        field.position,
      );
    }
    const position = field.position;
    let t = this.peek();
    if (t.kind === 'op') {
      this.next();
      return {
        type: 'compare',
        field,
        op: t.value as CompareOp,
        value: this.parseValue(),
        position,
        opPosition: t.position,
      };
    }
    // `x NOT IN (...)` etc. read naturally; they are sugar for NOT (x IN (...)).
    const negated = this.isKeyword(t, 'not');
    if (negated) {
      this.next();
      t = this.peek();
    }
    let node: PredicateNode;
    const w = this.word(t);
    const opPosition = t.position;
    if (w === 'between') {
      this.next();
      const low = this.parseValue();
      const and = this.peek();
      if (!this.isKeyword(and, 'and')) throw this.unexpected(and, 'AND in BETWEEN <low> AND <high>');
      this.next();
      node = { type: 'between', field, low, high: this.parseValue(), position, opPosition };
    } else if (w === 'in') {
      this.next();
      this.expect('(', '"(" to start the IN list');
      const values = [this.parseValue()];
      while (this.peek().kind === ',') {
        this.next();
        values.push(this.parseValue());
      }
      this.expect(')', '"," or ")" in the IN list');
      node = { type: 'in', field, values, position, opPosition };
    } else if (w === 'has') {
      this.next();
      node = { type: 'has', field, value: this.parseValue(), position, opPosition };
    } else if (w === 'exists') {
      this.next();
      node = { type: 'exists', field, position, opPosition };
    } else {
      throw this.unexpected(t, negated ? 'BETWEEN, IN, HAS or EXISTS after NOT' : OPERATORS_HINT);
    }
    return negated ? { type: 'not', child: node, position } : node;
  }

  private parseValue(): FilterValue {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: t.value, raw: t.raw, position: t.position };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', value: t.value, position: t.position };
    }
    const w = this.word(t);
    if (t.kind === 'path' && w !== undefined) {
      const position = t.position;
      if (w === 'true' || w === 'false') {
        this.next();
        return { kind: 'boolean', value: w === 'true', position };
      }
      if (w === 'null') {
        this.next();
        return { kind: 'null', position };
      }
      // Bare NaN / Infinity (the lexer handles the signed -Infinity form).
      if (w === 'nan' || w === 'infinity') {
        this.next();
        const value = w === 'nan' ? NaN : Infinity;
        return { kind: 'number', value, raw: w === 'nan' ? 'NaN' : 'Infinity', position };
      }
      if (!KEYWORDS.has(w)) {
        this.next();
        return { kind: 'word', value: t.segments[0]!.text, position };
      }
    }
    if (t.kind === 'path' && w === undefined) {
      throw this.unexpected(t, 'a value (fields cannot be compared with other fields; quote strings)');
    }
    throw this.unexpected(t, 'a value');
  }
}

function checkLength(source: string): void {
  if (source.length > FILTER_LIMITS.maxLength) {
    throw new FilterError(
      `Filter too long at position ${FILTER_LIMITS.maxLength}: at most ${FILTER_LIMITS.maxLength} characters`,
      FILTER_LIMITS.maxLength,
    );
  }
}

/** Parses filter text into an AST. Throws FilterError (also for blank input). */
export function parseFilter(source: string): FilterNode {
  checkLength(source);
  const tokens = tokenize(source);
  if (tokens[0]!.kind === 'eof') {
    throw new FilterError('Empty filter at position 0: expected a predicate such as config.lr < 0.01', 0);
  }
  return new Parser(source, tokens).parseFilter();
}

/** Parses a lone field reference (a sort key). Surrounding whitespace is ignored. */
export function parseField(source: string): FieldRef {
  checkLength(source);
  const parser = new Parser(source, tokenize(source));
  const field = parser.parseField();
  return parser.expectEnd(field);
}
