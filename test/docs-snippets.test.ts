// Every code block in docs/*.md is either run by a test against a real server or marked as not runnable, with the
// reason, in an HTML comment on the line before it (invisible when rendered):
//   <!-- runs-in: test/some.test.ts -->     that test reads this page and runs the block (or its file shown verbatim)
//   <!-- not-runnable: why -->               a diagram, a fragment, a step needing the network or another machine
// API guide blocks without a test of their own run here: its GraphQL documents and its curl session.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { parse } from 'graphql';

const HERE = 'test/docs-snippets.test.ts';

interface Block {
  doc: string;
  line: number;
  lang: string;
  body: string;
  /** The marker's kind and value, if the line before the fence has one. */
  marker: { kind: 'runs-in' | 'not-runnable'; value: string } | null;
}

function blocks(doc: string): Block[] {
  const lines = readFileSync(doc, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    const m = /^<!-- (runs-in|not-runnable): (.+?) -->$/.exec(lines[i - 1] ?? '');
    out.push({
      doc,
      line: i + 1,
      lang: open[1]!,
      body: lines.slice(i + 1, end).join('\n'),
      marker: m ? { kind: m[1] as 'runs-in' | 'not-runnable', value: m[2]! } : null,
    });
    i = end;
  }
  return out;
}

const DOCS = readdirSync('docs')
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const ALL = DOCS.flatMap(blocks);
const here = (doc: string, lang: string) =>
  ALL.filter((b) => b.doc === doc && b.lang === lang && b.marker?.kind === 'runs-in' && b.marker.value === HERE);

test('every block in docs/*.md is run by a named test or says why it is not', () => {
  assert.ok(ALL.length >= 20, `found only ${ALL.length} blocks`);
  const problems: string[] = [];
  for (const b of ALL) {
    const where = `${b.doc}:${b.line}`;
    if (!b.marker) problems.push(`${where}: no <!-- runs-in: ... --> or <!-- not-runnable: ... --> before it`);
    else if (b.marker.kind === 'not-runnable' && b.marker.value.trim().length < 15)
      problems.push(`${where}: a reason, please (got "${b.marker.value}")`);
    else if (b.marker.kind === 'runs-in') {
      if (!existsSync(b.marker.value)) problems.push(`${where}: ${b.marker.value} does not exist`);
      // The named test must read this page (so moving or renaming either is noticed).
      else if (!readFileSync(b.marker.value, 'utf8').includes(b.doc))
        problems.push(`${where}: ${b.marker.value} never mentions ${b.doc}`);
    }
  }
  assert.deepEqual(problems, []);
});

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.close());

test('docs/api.md: its curl session creates an experiment and a run and starts it', async () => {
  const [session] = here('docs/api.md', 'sh').filter((b) => b.body.includes('curl'));
  assert.ok(session, 'docs/api.md has a curl block run here');
  // One command per `curl`, continuation lines joined; `<RUN>` is the id an earlier command printed.
  const commands = session.body
    .replace(/\n(?!curl|#|API=)/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('curl'));
  assert.equal(commands.length, 3);
  let runId = '';
  const outputs: any[] = [];
  for (const c of commands) {
    const { stdout } = await promisify(execFile)('bash', ['-c', c.replaceAll('<RUN>', runId)], {
      env: { ...process.env, API: s.url },
    });
    const body = JSON.parse(stdout);
    assert.equal(body.errors, undefined, `${c}\n-> ${stdout}`);
    outputs.push(body.data);
    runId ||= body.data.createRun?.id ?? '';
  }
  assert.equal(outputs[1].createRun.status, 'QUEUED', 'the comment in the block says so');
  assert.equal(outputs[2].startRun.status, 'RUNNING');
});

test('docs/api.md: its GraphQL documents run as written, with placeholders filled in', async () => {
  const docs = here('docs/api.md', 'graphql');
  assert.equal(docs.length, 3);
  // The names the documents use; the experiment may exist already (the curl session made it).
  const ids: Record<string, string> = {};
  for (const k of ['RUN', 'RUN1', 'RUN2', 'RUN3']) {
    const r = await s.gql(
      `mutation { createRun(input: { experimentName: "cats-vs-dogs", config: { lr: 2e-5 } }) { id experiment { id } } }`,
    );
    ids[k] = r.createRun.id;
    ids.EXP = r.createRun.experiment.id;
  }
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: ids.RUN });
  await s.gql(`mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { accepted } }`, {
    id: ids.RUN,
    p: [0, 1].flatMap((step) => [
      { key: 'loss', step, value: 1 - step / 2 },
      { key: 'val_loss', step, value: 1.1 - step / 2 },
      { key: 'val_acc', step, value: 0.9 + step / 50 },
    ]),
  });
  for (const b of docs) {
    // A block may hold several operations (the bulk one does): each is sent on its own.
    for (const op of parse(b.body).definitions) {
      const text = b.body.slice(op.loc!.start, op.loc!.end).replace(/<(\w+)>/g, (_, k: string) => {
        assert.ok(ids[k], `${b.doc}:${b.line}: no value for <${k}>`);
        return ids[k]!;
      });
      const r = await s.request(text);
      assert.equal(r.errors, undefined, `${b.doc}:${b.line}\n${text}\n-> ${JSON.stringify(r.errors)}`);
      assert.ok(r.data && Object.values(r.data).every((v) => v !== null), `${b.doc}:${b.line}: ${JSON.stringify(r)}`);
    }
  }
});

test('docs/client.md: its request fragment logs columns through GraphQLClient', async (t) => {
  const [fragment] = here('docs/client.md', 'ts');
  assert.ok(fragment, 'docs/client.md has a ts block run here');
  const run = await s.gql(`mutation { createRun(input: { experimentName: "client-doc" }) { id } }`);
  const runId = run.createRun.id as string;
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: runId });
  // The fragment as a program: the values it takes from the program around it come first, its './gql/graphql.ts'
  // (the reader's codegen output) is the trainer's generated module, which holds the same LogMetrics document.
  // Inside the repository, so '@runboard/client' resolves as it does for a workspace package.
  mkdirSync('.data', { recursive: true });
  const dir = mkdtempSync(path.resolve('.data/docs-client-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'gql'));
  const generated = path.resolve('trainers/src/gql/graphql.ts');
  writeFileSync(path.join(dir, 'gql/graphql.ts'), `export { LogMetricsDocument } from '${generated}';\n`);
  const columns = { keys: ['loss', 'loss'], steps: [1, 2], values: [0.5, 0.25] };
  const body = fragment.body.replace("'http://127.0.0.1:4000'", JSON.stringify(new URL(s.url).origin));
  assert.notEqual(body, fragment.body, 'the fragment names the server as http://127.0.0.1:4000');
  const program = `const runId = ${JSON.stringify(runId)};\nconst columns = ${JSON.stringify(columns)};\n${body}\nconsole.log(JSON.stringify(logMetrics));\n`;
  writeFileSync(path.join(dir, 'snippet.ts'), program);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(dir, 'snippet.ts')], {
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'RUNBOARD_API_KEY')),
  });
  assert.equal(JSON.parse(stdout).accepted, 2);
  const points = await s.gql(`query($id: ID!) { run(id: $id) { metrics { key lastValue } } }`, { id: runId });
  assert.deepEqual(points.run.metrics, [{ key: 'loss', lastValue: 0.25 }]);
});

test('docs/api.md: its agent set-up makes an AGENT key and starts an agent that registers with its options', async (t) => {
  const [setup] = here('docs/api.md', 'sh').filter((b) => b.body.includes('npm run agent'));
  assert.ok(setup, 'docs/api.md has an agent block run here');
  const ADMIN = 'admin-key-for-docs-snippets-0123456789';
  const keyed = await startTestServer({ apiKey: ADMIN });
  t.after(() => keyed.close());
  const lines = setup.body.split('\n');
  // `npm ci` installs from the network: this checkout is installed already.
  assert.deepEqual(lines[0], 'npm ci');
  const exec = promisify(execFile);
  const env = { ...process.env, DATABASE_URL: keyed.database.url };
  const { stdout } = await exec('bash', ['-c', lines[1]!], { env });
  const key = /^rb_[^\s…]+$/m.exec(stdout)?.[0]; // the line with the whole key, not the listing's prefix
  assert.ok(key, `no key printed:\n${stdout}`);
  const agentLine = lines[2]!.replace('rb_...', key).replace('http://tracker.example:4000/graphql', keyed.url);
  assert.notEqual(agentLine, lines[2], 'the agent line names rb_... and http://tracker.example:4000/graphql');
  const agent = spawn('bash', ['-c', agentLine], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  agent.stdout!.on('data', (d: Buffer) => (output += d));
  agent.stderr!.on('data', (d: Buffer) => (output += d));
  t.after(() => {
    try {
      process.kill(-agent.pid!, 'SIGTERM');
    } catch {}
  });
  const query = `{ agents { name labels gpus concurrency } }`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
  const agents = async () => {
    const res = await fetch(keyed.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return ((await res.json()) as any).data?.agents ?? [];
  };
  await waitFor(async () => (await agents()).length > 0, { what: 'the agent registering', timeout: 60_000 }).catch(
    (err: Error) => assert.fail(`${err.message}; the agent said:\n${output}`),
  );
  const [registered] = await agents();
  assert.deepEqual(registered.labels, ['gpu', 'a100']);
  assert.deepEqual(registered.gpus, ['0', '1']);
  assert.equal(registered.concurrency, 2);
});
