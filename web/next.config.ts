import path from 'node:path';
import type { NextConfig } from 'next';

// web/ has no package.json or lockfile of its own: dependencies live in the repository root,
// so point Turbopack and output tracing at it explicitly instead of letting Next guess.
const repoRoot = path.resolve(process.cwd(), path.basename(process.cwd()) === 'web' ? '..' : '.');

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
};

export default config;
