import path from 'node:path';
import type { NextConfig } from 'next';

// web/ is one package of an npm workspace: dependencies are hoisted to the repository root and
// @runboard/contract is TypeScript source, so Turbopack and output tracing look from the root and
// the contract is compiled with the app.
const repoRoot = path.resolve(process.cwd(), path.basename(process.cwd()) === 'web' ? '..' : '.');

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@runboard/contract'],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
};

export default config;
