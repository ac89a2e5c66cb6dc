// Every code block in docs/*.md is either run by a test against a real server or marked as not runnable, with the
// reason, in an HTML comment on the line before it (invisible when rendered):
//   <!-- runs-in: test/some.test.ts -->     that test reads this page and runs the block (or its file shown verbatim)
//   <!-- not-runnable: why -->               a diagram, a fragment, a step needing the network or another machine
// API guide blocks without a test of their own run here: its GraphQL documents and its curl session.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
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
  const [session] = here('docs/api.md', 'sh');
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
