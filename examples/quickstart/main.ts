import { App } from 'cdk8s';
import { quickstart } from './app';

const app = new App({ outdir: 'dist/examples/quickstart' });
quickstart(app);
app.synth();
console.log(`Synthesized ${app.charts.length} charts into ${app.outdir}/`);
