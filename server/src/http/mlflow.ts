import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService } from '../modules/auth/service.ts';
import { mlflowAccess } from '../modules/mlflow/access.ts';
import { MlflowError, toMlflowError } from '../modules/mlflow/errors.ts';
import { type Args, argsOfQuery } from '../modules/mlflow/input.ts';
import type { MlflowService } from '../modules/mlflow/service.ts';
import { contentDisposition } from './artifacts.ts';
import { type AuthGate, AuthThrottled } from './bounds.ts';
import { presentedKey } from './exposure.ts';
import { readBody, sendAndClose, sendJson } from './util.ts';

/** A body still arriving at BODY_TIMEOUT_MS: answered 408 and the connection closed. */
class BodyTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The request body did not arrive within ${timeoutMs} ms.`);
  }
}

/**
 * MLflow's REST API on Runboard's server and port:
 *   /api/2.0/mlflow/<endpoint>                       tracking API (also under /ajax-api/2.0/mlflow/)
 *   /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>   PUT upload, GET download
 *   /api/2.0/mlflow-artifacts/artifacts?path=<exp>/<run>/artifacts/... GET list
 * Keys as for GraphQL, plus HTTP Basic's password (MLFLOW_TRACKING_USERNAME/PASSWORD); errors in MLflow's shape.
 */
const PREFIX = /^\/(?:ajax-)?api\/2\.0\/(mlflow|mlflow-artifacts)(\/.*)?$/;
/** MLflow's largest request, a log-batch of 1,000 metrics and 100 params/tags of up to 8,000 characters, is < 2 MB. */
export const MLFLOW_MAX_BODY = 4 * 1024 * 1024;
const READ_ONLY = new Set([
  'experiments/get',
  'experiments/get-by-name',
  'runs/get',
  'metrics/get-history',
  'artifacts/list',
]);

export function isMlflowPath(pathname: string): boolean {
  return PREFIX.test(pathname);
}

/** `Authorization: Basic base64(user:key)`: the password is the key (the user name is ignored). */
export function mlflowKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon >= 0 ? decoded.slice(colon + 1) : '') || undefined;
  }
  return presentedKey(req);
}

function sendError(res: ServerResponse, err: MlflowError) {
  if (err.code === 'TEMPORARILY_UNAVAILABLE') res.setHeader('retry-after', '2');
  sendJson(res, err.status, { error_code: err.code, message: err.message });
}

async function principalOf(req: IncomingMessage, gate: AuthGate): Promise<Principal> {
  const p = await gate.authenticate(req, mlflowKey(req));
  if (!p || (p.authRequired && p.scopes.size === 0))
    throw new MlflowError('UNAUTHENTICATED', 'Wrong, revoked or missing API key: send Authorization: Bearer <key>.');
  return p;
}

async function requestArgs(req: IncomingMessage, url: URL, timeoutMs: number): Promise<Args> {
  if (req.method !== 'POST') return argsOfQuery(url);
  const raw = await readBody(req, MLFLOW_MAX_BODY, timeoutMs);
  if (raw === 'timeout') throw new BodyTimeout(timeoutMs);
  if (raw === 'too-large') {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `Request body over ${MLFLOW_MAX_BODY} bytes.`);
  }
  if (raw.length === 0) return argsOfQuery(url);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MlflowError('BAD_REQUEST', 'Malformed request: the body is not valid JSON.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new MlflowError('BAD_REQUEST', 'Malformed request: the body must be a JSON object.');
  return body as Args;
}

async function authorize(p: Principal, auth: AuthService, endpoint: string, args: Args) {
  const rule = mlflowAccess[endpoint]!;
  if (!p.scopes.has(rule.requires))
    throw new MlflowError('PERMISSION_DENIED', `${endpoint} needs an API key with the ${rule.requires} scope.`);
  if (rule.targets !== 'filter') await auth.assertExperiments(p, endpoint, rule.targets(args));
}

async function tracking(req: IncomingMessage, res: ServerResponse, url: URL, endpoint: string, deps: Deps) {
  if (!deps.mlflow.has(endpoint)) throw new MlflowError('ENDPOINT_NOT_FOUND', `No MLflow endpoint ${endpoint}.`);
  const readOnly = READ_ONLY.has(endpoint);
  if (req.method !== 'POST' && !(req.method === 'GET' && (readOnly || endpoint.endsWith('/search'))))
    throw new MlflowError('BAD_REQUEST', `${endpoint} takes ${readOnly ? 'GET' : 'POST'} requests.`);
  const p = await principalOf(req, deps.gate);
  const args = await requestArgs(req, url, deps.bodyTimeoutMs);
  await authorize(p, deps.auth, endpoint, args);
  sendJson(res, 200, await deps.mlflow.call(endpoint, args, p));
}

async function artifacts(req: IncomingMessage, res: ServerResponse, url: URL, rest: string, deps: Deps) {
  const p = await principalOf(req, deps.gate);
  let location: string;
  try {
    location = rest === '' ? (url.searchParams.get('path') ?? '') : decodeURIComponent(rest);
  } catch {
    throw new MlflowError('INVALID_PARAMETER_VALUE', 'The path is not valid percent-encoded UTF-8.');
  }
  location = location.replace(/^\/+/, '');
  const upload = req.method === 'PUT';
  if (!upload && req.method !== 'GET') throw new MlflowError('BAD_REQUEST', 'mlflow-artifacts takes PUT and GET.');
  const scope = upload ? 'LOG' : 'READ';
  if (!p.scopes.has(scope))
    throw new MlflowError('PERMISSION_DENIED', `Artifacts need an API key with the ${scope} scope.`);
  const runId = location.split('/')[1] ?? '';
  await deps.auth.assertExperiments(p, 'mlflow-artifacts', [{ runId }]);
  if (upload) return sendJson(res, 200, await deps.mlflow.artifacts.upload(req, location));
  if (rest === '') return sendJson(res, 200, await deps.mlflow.artifacts.list(location));
  const found = await deps.mlflow.artifacts.download(location);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(found.size),
    'content-disposition': contentDisposition(found.name),
  });
  await pipeline(createReadStream(found.file), res);
}

export interface Deps {
  mlflow: MlflowService;
  auth: AuthService;
  /** Key checks behind the failed-key throttle (429 with Retry-After, MLflow's REQUEST_LIMIT_EXCEEDED). */
  gate: AuthGate;
  bodyTimeoutMs: number;
  log: (m: string) => void;
}

export async function handleMlflowRequest(req: IncomingMessage, res: ServerResponse, url: URL, deps: Deps) {
  const [, api, rest = ''] = PREFIX.exec(url.pathname)!;
  try {
    if (api === 'mlflow') await tracking(req, res, url, rest.replace(/^\//, ''), deps);
    else if (rest === '/artifacts' || rest === '/artifacts/') await artifacts(req, res, url, '', deps);
    else if (rest.startsWith('/artifacts/')) await artifacts(req, res, url, rest.slice('/artifacts/'.length), deps);
    else throw new MlflowError('ENDPOINT_NOT_FOUND', `No MLflow endpoint ${url.pathname}.`);
  } catch (err) {
    if (err instanceof BodyTimeout) return sendAndClose(res, 408, { error_code: 'BAD_REQUEST', message: err.message });
    if (err instanceof AuthThrottled) {
      res.setHeader('retry-after', String(err.retryAfterSeconds));
      res.setHeader('connection', 'close');
      return sendError(res, new MlflowError('REQUEST_LIMIT_EXCEEDED', err.message));
    }
    const mapped = toMlflowError(err);
    if (res.headersSent) return void res.destroy();
    if (!req.complete) {
      // The rest of the body is not read: close once the answer is out.
      res.setHeader('connection', 'close');
      res.on('finish', () => req.destroy());
    }
    if (mapped) return sendError(res, mapped);
    deps.log(`mlflow request failed: ${(err as Error)?.stack ?? String(err)}`);
    sendError(res, new MlflowError('INTERNAL_ERROR', 'Internal server error; see the server log.'));
  }
}
