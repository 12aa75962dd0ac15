import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { quickstart } from '../../examples/quickstart/app';
import { synthObjects } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';

exampleSuite('quickstart', {
  objects: () => { const app = Testing.app({ outdir: tempDir('cdk8s-app-') }); quickstart(app); return synthObjects(app); },
  podTemplates: 0,
});
