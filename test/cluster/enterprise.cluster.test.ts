import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { enterprise } from '../../examples/enterprise/app';
import { synthObjects } from '../helpers/manifests';

// The payments API Deployment: sandboxed, on dedicated nodes, under the
// `restricted` Pod Security level of its namespace.
exampleSuite('enterprise', {
  objects: () => { const app = Testing.app(); enterprise(app); return synthObjects(app); },
  podTemplates: 1,
});
