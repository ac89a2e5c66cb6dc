import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { GraphQLError } from 'graphql';
import type { ArtifactService } from '../modules/artifact/service.js';
import { sendJson } from './util.js';

/**
 * PUT /artifacts/<runId>/<name...>?kind=model  uploads a file (streamed to disk, hashed on the way).
 * GET /artifacts/<artifactId>                   downloads a stored file.
 * Errors use the same codes as GraphQL.
 */
export async function handleArtifactRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  artifacts: ArtifactService,
) {
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  try {
    if (req.method === 'PUT' && parts.length >= 2) {
      const artifact = await artifacts.store(
        parts[0]!,
        parts.slice(1).join('/'),
        url.searchParams.get('kind') ?? 'file',
        req,
      );
      return sendJson(res, 201, {
        ...artifact,
        size: Number(artifact.size),
        downloadPath: `/artifacts/${artifact.id}`,
      });
    }
    if (req.method === 'GET' && parts.length === 1) {
      const artifact = await artifacts.get(parts[0]!);
      if (!artifact?.uri.startsWith('runboard-artifact:')) {
        return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No stored artifact ${parts[0]}` } });
      }
      const filename = artifact.name.split('/').pop()!.replace(/"/g, '');
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(artifact.size),
        'content-disposition': `attachment; filename="${filename}"`,
        etag: `"${artifact.sha256}"`,
      });
      return await pipeline(createReadStream(artifacts.filePath(artifact.id)), res);
    }
    return sendJson(res, 405, {
      error: { code: 'BAD_USER_INPUT', message: 'Use PUT /artifacts/<runId>/<name> or GET /artifacts/<id>' },
    });
  } catch (err) {
    if (err instanceof GraphQLError) {
      const code = String(err.extensions.code);
      return sendJson(res, code === 'NOT_FOUND' ? 404 : 400, { error: { code, message: err.message } });
    }
    throw err;
  }
}
