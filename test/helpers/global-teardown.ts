import { finishRunRoot, RUN_ROOT_ENV } from './run-root';

/** jest globalTeardown: fails the run naming whatever the tests left in the run's temporary root (run-root.ts). */
export default function globalTeardown(): void {
  const root = process.env[RUN_ROOT_ENV];
  if (root !== undefined) finishRunRoot(root);
}
