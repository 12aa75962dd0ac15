import { buildTestenv, kubeMinor } from './harness';
import { createRunRoot } from '../helpers/run-root';

/**
 * The run's temporary root first, as in the unit tier (the globalTeardown
 * both tiers share fails the run naming anything left in it); then builds
 * (or finds cached) the control plane of the selected minor before any test
 * file runs. The control planes' state and logs are not temporary: they are
 * kept in .ci/tmp/cluster/<minor>/<file>/ (fixture.ts).
 */
export default function globalSetup(): void {
  createRunRoot();
  const minor = kubeMinor();
  const started = Date.now();
  process.env.CLUSTER_TESTENV_BIN = buildTestenv(minor, (line) => process.stderr.write(`[cluster ${minor}] ${line}\n`));
  process.env.CLUSTER_KUBE_MINOR = minor;
  process.stderr.write(`[cluster ${minor}] testenv ready to start (${((Date.now() - started) / 1000).toFixed(1)} s to build or find it)\n`);
}
