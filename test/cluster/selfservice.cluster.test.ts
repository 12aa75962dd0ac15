import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { selfservice } from '../../examples/selfservice/app';
import { synthObjects } from '../helpers/manifests';

exampleSuite('selfservice', {
  objects: () => { const app = Testing.app(); selfservice(app); return synthObjects(app); },
  podTemplates: 0,
});
