// An AWS CDK App made without `outdir` synthesizes into a new
// os.tmpdir()/cdk.out* folder and never removes it (Template.fromStack does
// this for every stack it reads): the tests used to leave hundreds behind.
// The App takes its default from CDK_OUTDIR, so each test file gets one
// folder of its own here, removed when the file is done.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-tenancy-test-cdk.out-'));
process.env.CDK_OUTDIR = outdir;
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
