import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { exampleSuite } from './example-suite';
import { writeSaas } from '../../examples/saas/app';
import { K8sObject } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';

// Three customers of the SaaS example, as the GitOps writer writes them
// (every customer's files have the same kinds; the platform and Argo CD
// files are whole): what is in the repository is what is applied.
exampleSuite('saas', {
  objects: () => {
    const dir = tempDir('saas-cluster-');
    try {
      const result = writeSaas(dir, 3);
      const objects = result.files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map((d: any) => d.toJS() as K8sObject));
      if (objects.length !== result.objectCount) throw new Error(`read ${objects.length} objects, the writer wrote ${result.objectCount}`);
      return objects;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  podTemplates: 0,
});
