// When a cluster test file fails, print where its control plane's logs are
// kept (under .ci/tmp/cluster/) and the last lines of the API server's log
// and of any HNC manager it ran.
const fs = require('fs');
const path = require('path');

class ClusterLogReporter {
  onTestResult(test, result) {
    if (result.numFailingTests === 0 && !result.testExecError) return;
    const minor = process.env.CLUSTER_KUBE_MINOR || '1.37';
    const dir = path.join(__dirname, '..', '..', '.ci', 'tmp', 'cluster', minor, path.basename(test.path, '.cluster.test.ts'));
    if (!fs.existsSync(dir)) return;
    const log = path.join(dir, 'kube-apiserver.log');
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-30).join('\n') : '(no kube-apiserver.log)';
    process.stderr.write(`\n${path.basename(test.path)} failed against Kubernetes ${minor}: control-plane logs are kept in ${dir}\n--- last lines of ${log}\n${lines}\n\n`);
    // The controllers a test ran besides the control plane (HNC's manager: hnc-manager*.log), newest last.
    for (const f of fs.readdirSync(dir).filter((n) => /^hnc-manager.*\.log$/.test(n)).sort()) {
      const tailOf = fs.readFileSync(path.join(dir, f), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      process.stderr.write(`--- last lines of ${path.join(dir, f)}\n${tailOf}\n\n`);
    }
  }
}

module.exports = ClusterLogReporter;
