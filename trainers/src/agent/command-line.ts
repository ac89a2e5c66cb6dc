// An entry point's command line (`--entry-point keras-seed="python3 train.py --epochs 3"`) split into argv
// WITHOUT a shell: the agent starts the program directly, so nothing in a command line or a run's config is
// ever interpreted by one. The rules are a small, predictable subset of POSIX quoting:
//   - words are separated by spaces or tabs;
//   - '...' keeps everything inside as it is;
//   - "..." keeps everything inside, except that \" and \\ stand for " and \;
//   - outside quotes, \x stands for x;
//   - a shell operator or expansion ( | & ; < > ( ) $ ` ) outside quotes is refused, not passed on: this is not
//     a shell, and a command that looks like it pipes or redirects would silently do something else. Quote
//     such a character to pass it as data.
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_ENTRY_POINT, entryPointNameProblem } from '@runboard/contract/entry-point';

export class CommandLineError extends Error {}

const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);

export function parseCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated ' in ${JSON.stringify(line)}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let text = '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) i++;
        text += line[i];
      }
      if (i >= line.length) throw new CommandLineError(`unterminated " in ${JSON.stringify(line)}`);
      word = (word ?? '') + text;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new CommandLineError(`trailing \\ in ${JSON.stringify(line)}`);
      word = (word ?? '') + line[++i];
    } else if (OPERATORS.has(ch)) {
      throw new CommandLineError(
        `${JSON.stringify(ch)} in ${JSON.stringify(line)}: the command runs without a shell, so pipes, redirections and expansions do not work; quote it to pass it as an argument`,
      );
    } else if (ch === '\n' || ch === '\r' || ch === '\0') {
      throw new CommandLineError('a command line is one line');
    } else word = (word ?? '') + ch;
  }
  if (word !== null) words.push(word);
  if (words.length === 0) throw new CommandLineError('the command is empty');
  return words;
}

/** `name=command line` as given to --entry-point. */
export function parseEntryPointOption(value: string): { name: string; command: string[] } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CommandLineError(`${JSON.stringify(value)}: expected name="command args"`);
  return { name: value.slice(0, eq), command: parseCommandLine(value.slice(eq + 1)) };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fixes a command to what it means where the agent was started, since the program itself runs in its run's
 * own folder: a program given with a slash and every argument naming an existing file or folder relative to
 * the agent's working directory become absolute; a bare program name must be found on PATH now (fail at
 * start-up, not at the first run).
 */
export function resolveCommand(argv: string[], cwd = process.cwd(), envPath = process.env.PATH ?? ''): string[] {
  const [program, ...args] = argv;
  let exe: string;
  if (program!.includes('/')) {
    exe = path.resolve(cwd, program!);
    if (!isExecutable(exe)) throw new CommandLineError(`${program}: not an executable file`);
  } else {
    const found = envPath
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, program!))
      .find(isExecutable);
    if (!found) throw new CommandLineError(`${program}: not found on PATH`);
    exe = program!; // found on PATH when started, as a shell would
  }
  const fixed = args.map((a) =>
    a !== '' && !path.isAbsolute(a) && existsSync(path.resolve(cwd, a)) ? path.resolve(cwd, a) : a,
  );
  return [exe, ...fixed];
}

/**
 * Repeated `--entry-point name="command"` options (the agent's CLI and `npm start`'s local agent): names as the
 * server checks them, commands split and resolved here. Throws CommandLineError naming the bad one.
 */
export function entryPointsOf(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const { name, command } = parseEntryPointOption(v);
    const problem = entryPointNameProblem(name);
    if (problem) throw new CommandLineError(`${JSON.stringify(name)}: ${problem}`);
    if (name === BUILTIN_ENTRY_POINT)
      throw new CommandLineError(`${name} is the built-in trainer; name your program differently`);
    if (name in out) throw new CommandLineError(`${name} is given twice`);
    out[name] = resolveCommand(command);
  }
  return out;
}
