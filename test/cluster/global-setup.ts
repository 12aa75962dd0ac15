import { buildTestenv, kubeMinor } from './harness';

/** Builds (or finds cached) the control plane of the selected minor before any test file runs. */
export default function globalSetup(): void {
  const minor = kubeMinor();
  const started = Date.now();
  process.env.CLUSTER_TESTENV_BIN = buildTestenv(minor, (line) => process.stderr.write(`[cluster ${minor}] ${line}\n`));
  process.env.CLUSTER_KUBE_MINOR = minor;
  process.stderr.write(`[cluster ${minor}] testenv ready to start (${((Date.now() - started) / 1000).toFixed(1)} s to build or find it)\n`);
}
