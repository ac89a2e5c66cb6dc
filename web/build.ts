// `npm run web:build`: production build of the dashboard, recording the source hash startWeb checks.
import { buildWeb } from './start.js';

await buildWeb((line) => console.log(line));
