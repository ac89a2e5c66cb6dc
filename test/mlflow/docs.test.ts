import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { mlflowAccess } from '../../server/src/modules/mlflow/access.ts';

/** docs/mlflow.md shows examples/mlflow-npm.cjs verbatim; this runs it against a real server with a key. */
const run = promisify(execFile);
const ADMIN = 'admin-key-for-the-mlflow-docs-test-0123456789';
let server: TestServer;
before(async () => {
  server = await startTestServer({ apiKey: ADMIN });
});
after(() => server.close());

test('docs/mlflow.md shows examples/mlflow-npm.cjs verbatim', () => {
  const doc = readFileSync('docs/mlflow.md', 'utf8');
  assert.ok(doc.includes(`\`\`\`js\n${readFileSync('examples/mlflow-npm.cjs', 'utf8')}\`\`\``));
});

test('the MLflow example logs a finished run that GraphQL sees', async () => {
  const { stderr } = await run(process.execPath, ['examples/mlflow-npm.cjs'], {
    env: {
      ...process.env,
      RUNBOARD_URL: server.url.replace(/\/graphql$/, ''),
      RUNBOARD_API_KEY: ADMIN,
      EXPERIMENT: 'docs-mlflow',
    },
  });
  const runId = stderr.trim();
  const { run: logged } = await server.gql(
    `query($id: ID!) { run(id: $id) { name status config experiment { name } metrics { key lastValue } } }`,
    { id: runId },
  );
  assert.deepEqual(logged, {
    name: 'first',
    status: 'FINISHED',
    config: { lr: 0.001 },
    experiment: { name: 'docs-mlflow' },
    metrics: [{ key: 'loss', lastValue: 1 / 3 }],
  });
});

test('the endpoint table of docs/mlflow.md lists exactly the endpoints the server serves', () => {
  const doc = readFileSync('docs/mlflow.md', 'utf8');
  const table = doc.slice(doc.indexOf('## Endpoints'), doc.indexOf("and MLflow's artifact proxy"));
  const listed = table
    .split('\n')
    .filter((l) => /^\| [a-z]+ +\|/.test(l))
    .flatMap((l) => {
      const [, area, cell] = l.split('|').map((c) => c.trim());
      return [...cell!.matchAll(/`([a-z-]+)`/g)].map((m) => `${area}/${m[1]}`);
    });
  assert.deepEqual(listed.sort(), Object.keys(mlflowAccess).sort());
});
