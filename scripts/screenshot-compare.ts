/**
 * Regenerates docs/compare.png (the README's compare-view screenshot) on demand, so test runs never
 * write into the repository: `DATABASE_URL=postgresql://... npx tsx scripts/screenshot-compare.ts`.
 * Same stack and seed data as test/web/dashboard.test.ts: real server, PostgreSQL, dashboard, Chromium.
 */
import fs from 'node:fs';
import { seedExperiment } from '@runboard/test-kit/seed';
import { startStack } from '@runboard/test-kit/stack';

const OUT = 'docs/compare.png';

async function main() {
  const stack = await startStack();
  try {
    const runs = await seedExperiment(stack.gql, 'cats-vs-dogs', 6, 8);
    const page = await stack.newPage();
    await page.goto(
      `${stack.webUrl}/compare?runs=${runs
        .slice(0, 3)
        .map((r) => r.id)
        .join(',')}`,
    );
    for (const key of ['acc', 'val_acc', 'loss', 'val_loss'])
      await page.locator(`[data-testid="chart-${key}"] .run-line path`).first().waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="summary-row"]').nth(2).waitFor();
    await page.mouse.move(0, 0); // no tooltip in the picture
    fs.mkdirSync('docs', { recursive: true });
    await page.screenshot({ path: OUT, fullPage: false });
    console.log(`wrote ${OUT}`);
  } finally {
    await stack.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
