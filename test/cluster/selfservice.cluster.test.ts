import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { selfservice } from '../../examples/selfservice/app';
import { synthObjects } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';

exampleSuite('selfservice', {
  objects: () => { const app = Testing.app({ outdir: tempDir('cdk8s-app-') }); selfservice(app); return synthObjects(app); },
  podTemplates: 0,
});
