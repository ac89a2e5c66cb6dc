import path from 'node:path';
import type { NextConfig } from 'next';

// web/ is one package of an npm workspace: dependencies are hoisted to the repository root and
// @runboard/contract and @runboard/client are TypeScript source, so Turbopack and output tracing look
// from the root and both are compiled with the app.
const repoRoot = path.resolve(process.cwd(), path.basename(process.cwd()) === 'web' ? '..' : '.');

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@runboard/contract', '@runboard/client'],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
};

export default config;
