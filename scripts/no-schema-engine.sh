#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on our build machines.
# `prisma generate` only checks that a binary is configured; anything that really needs the engine
# (migrate dev/deploy) must fail loudly, so this exits 1. Migrations are applied by scripts/migrate.ts.
echo "runboard: Prisma's native schema engine is not installed; use 'npm run db:migrate'" >&2
exit 1
