import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { quickstart } from '../../examples/quickstart/app';
import { synthObjects } from '../helpers/manifests';

exampleSuite('quickstart', {
  objects: () => { const app = Testing.app(); quickstart(app); return synthObjects(app); },
  podTemplates: 0,
});
