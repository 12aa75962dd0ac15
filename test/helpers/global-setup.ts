import { createRunRoot } from './run-root';

/** jest globalSetup: the run's temporary root, inherited by every worker as TMPDIR (run-root.ts). */
export default function globalSetup(): void {
  createRunRoot();
}
