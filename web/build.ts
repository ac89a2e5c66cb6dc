// `npm run web:build`: production build of the dashboard, recording the source hash startWeb checks.
import { buildWeb } from './start.ts';

await buildWeb((line) => console.log(line));
