/**
 * The page's entry point (bundled to web/dist/app.js): starts the App once the document is parsed,
 * and shows a start-up failure on the page instead of leaving it blank.
 */
import { App } from './app.js';

try {
  new App();
} catch (err) {
  const status = document.getElementById('status');
  if (status) status.textContent = `The playground could not start: ${(err as Error).message}`;
  throw err;
}
