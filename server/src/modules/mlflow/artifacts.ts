import type { IncomingMessage } from 'node:http';
import { STORED_PREFIX } from '../artifact/service.ts';
import type { Services } from '../context.ts';
import type { RunRow } from '../run/store.ts';
import { runArtifactUri } from './convert.ts';
import { invalid, missing } from './errors.ts';
import { type Args, optString, runIdOf } from './input.ts';

/**
 * Artifacts as MLflow sees them: paths under a run's artifact root. Runboard stores each file under its own id
 * (ARTIFACT_DIR/<uuid>) and keeps the MLflow path as the artifact's name, so no request path ever reaches the
 * file system; paths are still checked as MLflow checks them (no `..`, no absolute paths) so listings make sense.
 */
export function checkArtifactPath(path: string): string {
  const clean = path.replace(/\/+$/, '');
  if (clean === '') return '';
  const parts = clean.split('/');
  if (
    clean.startsWith('/') ||
    /^[A-Za-z]:/.test(clean) ||
    clean.includes('\\') ||
    parts.some((p) => p === '..' || p === '.' || p === '')
  )
    throw invalid(`Invalid path '${path}': artifact paths are relative, without '.', '..' or empty segments`);
  if (clean.length > 500 || clean.includes('\0')) throw invalid('Invalid artifact path');
  return clean;
}

interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** The entries directly under `dir` of a run's artifacts; `relative` makes paths relative to dir (mlflow-artifacts). */
async function entries(s: Services, runId: string, dir: string, relative: boolean): Promise<FileInfo[]> {
  const all = await s.artifacts.listForRuns([runId]);
  const prefix = dir ? `${dir}/` : '';
  const out = new Map<string, FileInfo>();
  for (const a of all) {
    if (!a.name.startsWith(prefix)) continue;
    const rest = a.name.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const path = relative ? name : prefix + name;
    if (slash < 0) out.set(path, { path, is_dir: false, file_size: Number(a.size) });
    else if (!out.has(path)) out.set(path, { path, is_dir: true });
  }
  return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** GET artifacts/list (tracking API): paths relative to the run's artifact root. */
export async function listArtifacts(s: Services, run: RunRow, a: Args) {
  void runIdOf(a);
  const dir = checkArtifactPath(optString(a, 'path') ?? '');
  return { root_uri: runArtifactUri(run), files: await entries(s, run.id, dir, false) };
}

/** `<experiment>/<run>/artifacts/<path>` of the mlflow-artifacts routes, checked against the run's experiment. */
export function parseArtifactLocation(location: string): { experimentId: string; runId: string; path: string } {
  const parts = location.split('/');
  if (parts.length < 3 || parts[2] !== 'artifacts' || !parts[0] || !parts[1])
    throw missing(`No artifact location '${location}': expected <experiment_id>/<run_id>/artifacts/<path>`);
  return { experimentId: parts[0], runId: parts[1], path: checkArtifactPath(parts.slice(3).join('/')) };
}

/** The mlflow-artifacts proxy: PUT uploads, GET downloads a file, GET without a file path lists (`?path=`). */
export class MlflowArtifacts {
  constructor(private readonly s: Services) {}

  private async run(experimentId: string, runId: string): Promise<RunRow> {
    const run = await this.s.runs.get(runId);
    if (!run || run.experimentId !== experimentId)
      throw missing(`Run with id=${runId} not found in experiment ${experimentId}`);
    return run;
  }

  async upload(req: IncomingMessage, location: string) {
    const { experimentId, runId, path } = parseArtifactLocation(location);
    if (!path) throw invalid('Upload needs a file path after artifacts/');
    const run = await this.run(experimentId, runId);
    if (run.archived) throw invalid(`The run ${runId} must be in the 'active' state. Current state is deleted.`);
    const n = Number(req.headers['content-length']);
    await this.s.artifacts.store(run.id, path, 'file', req, Number.isFinite(n) && n >= 0 ? n : undefined);
    return {};
  }

  /** The stored file a download names: the HTTP layer streams it (http/mlflow.ts). */
  async download(location: string): Promise<{ file: string; size: number; name: string }> {
    const { experimentId, runId, path } = parseArtifactLocation(location);
    const run = await this.run(experimentId, runId);
    const artifact = (await this.s.artifacts.listForRuns([run.id])).find((x) => x.name === path);
    if (!artifact?.uri.startsWith(STORED_PREFIX)) throw missing(`No artifact '${path}' in run ${runId}`);
    return { file: this.s.artifacts.filePath(artifact.id), size: Number(artifact.size), name: path.split('/').pop()! };
  }

  async list(location: string) {
    const { experimentId, runId, path } = parseArtifactLocation(location.replace(/\/+$/, ''));
    const run = await this.run(experimentId, runId);
    return { files: await entries(this.s, run.id, path, true) };
  }
}
