import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import { unauthenticated } from '../api/access.ts';
import { ErrorCode, userError } from '../core/errors.ts';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService } from '../modules/auth/service.ts';

/**
 * The artifact routes are plain HTTP, outside the GraphQL access table: an upload (PUT /artifacts/<runId>/...)
 * needs LOG on the run's experiment, a download (GET /artifacts/<id>) needs READ on the artifact's experiment.
 * Returns the error to answer with, or null when the request may go on.
 */
export async function artifactAccessError(
  req: IncomingMessage,
  url: URL,
  p: Principal,
  auth: AuthService,
): Promise<GraphQLError | null> {
  const first = url.pathname.split('/')[2] ?? '';
  let id: string;
  try {
    id = decodeURIComponent(first);
  } catch {
    return null; // the artifact handler answers malformed paths itself
  }
  const upload = req.method === 'PUT';
  const scope = upload ? 'LOG' : 'READ';
  if (p.authRequired && p.scopes.size === 0) return unauthenticated();
  if (!p.scopes.has(scope)) {
    return userError(
      ErrorCode.FORBIDDEN,
      `${upload ? 'Uploading' : 'Downloading'} artifacts needs the ${scope} scope.`,
      {
        scope,
      },
    );
  }
  try {
    await auth.assertExperiments(p, upload ? 'artifact upload' : 'artifact download', [
      upload ? { runId: id } : { artifactId: id },
    ]);
    return null;
  } catch (e) {
    return e as GraphQLError;
  }
}
