import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Yaml } from 'cdk8s';
import { replaceToJson, withCdk8sToJson } from './cdk8s-to-json';
import { CORPUS_DIR, corpusFile, CorpusFile, isKubernetesShaped } from './corpus';
import { jsonDifference } from './same-json';
import { fastApiObjectJson } from '../../src/gitops/internal/api-object-json';
import { stringifyManifest } from '../../src/gitops/manifest-yaml';

/*
 * Runs before every test file (jest setupFilesAfterEnv): records every object
 * any test or example synthesizes (each ApiObject's toJson), and after the
 * file's tests checks
 * - that the library's serializer writes each JSON byte for byte as cdk8s's
 *   Yaml.stringify (what `cdk8s synth` writes), and
 * - that the writer's fast path for toJson (api-object-json.ts) makes for
 *   each object exactly what its toJson() makes.
 * The Kubernetes-shaped ones are also written to the corpus
 * (.ci/tmp/corpus/, see ./corpus.ts), which the cluster tier applies to a
 * real API server (test/cluster/corpus.cluster.test.ts).
 */
const seen = new Set<string>();
const objects: any[] = [];
const instances = new Set<ApiObject>();

function record(json: any): void {
  try {
    const key = JSON.stringify(json);
    if (!seen.has(key)) {
      seen.add(key);
      objects.push(json);
    }
  } catch {
    objects.push(json); // not JSON (a cycle): compare it anyway
  }
}

/** The prototype whose toJson an object's toJson() runs: its most derived class that defines one. */
function toJsonOwner(obj: object): any {
  let proto = Object.getPrototypeOf(obj);
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'toJson')) proto = Object.getPrototypeOf(proto);
  return proto;
}

const WRAPPED = Symbol('recorded toJson');

/**
 * Makes `proto`'s toJson record what it returns, but only for objects whose
 * own toJson it is: a class that overrides toJson (every generated Kube*
 * class: it turns Quantity and IntOrString values into what the API takes)
 * calls ApiObject's through super, and that intermediate is not the output.
 */
function wrapToJson(proto: any): void {
  const original = proto.toJson;
  const wrapped = function (this: ApiObject) {
    instances.add(this);
    const json = original.call(this);
    const owner = toJsonOwner(this);
    if (owner === proto) {
      record(json);
    } else if (!owner.toJson[WRAPPED]) {
      // The first object of an overriding class: record its class's
      // output from now on, this object's included.
      wrapToJson(owner);
      this.toJson();
    }
    return json;
  };
  (wrapped as any)[WRAPPED] = true;
  replaceToJson(proto, wrapped);
}
// While this recorder replaces toJson, the fast path (which reproduces
// cdk8s's own toJson) declines every object and the writer calls toJson():
// so every object the writer writes in a test is recorded here, and
// compared below.
wrapToJson(ApiObject.prototype);

afterAll(() => {
  const differ = objects.filter((o) => stringifyManifest(o) !== Yaml.stringify(o));
  // the first difference in full, as a diff
  if (differ.length > 0) expect(stringifyManifest(differ[0])).toBe(Yaml.stringify(differ[0]));
  expect(differ.length).toBe(0);

  // cdk8s's toJson again, so that the fast path applies
  const fastDiffer: string[] = [];
  withCdk8sToJson(() => {
    for (const o of instances) {
      let real: any;
      let threw: unknown;
      try {
        real = o.toJson();
      } catch (e) {
        threw = e;
      }
      const fast = fastApiObjectJson(o);
      if (fast === undefined) continue; // handed to toJson() itself
      const d = threw !== undefined ? `toJson() threw (${threw}), the fast path did not` : jsonDifference(fast.json, real);
      if (d !== undefined) fastDiffer.push(`${o.node.path}: ${d}`);
    }
  });
  expect(fastDiffer).toEqual([]);
});

// The cluster tier's own files synthesize what the unit tier already
// recorded (the examples); only the unit tier writes the corpus.
const testPath = expect.getState().testPath;
if (testPath && !testPath.includes(`${path.sep}test${path.sep}cluster${path.sep}`)) {
  afterAll(() => {
    const source = path.relative(path.join(__dirname, '..', '..'), testPath).split(path.sep).join('/');
    const file: CorpusFile = { source, objects: objects.filter(isKubernetesShaped) };
    fs.mkdirSync(CORPUS_DIR, { recursive: true });
    // Written whole, then renamed: a reader never sees half a file.
    const out = corpusFile(source);
    fs.writeFileSync(`${out}.${process.pid}.tmp`, JSON.stringify(file));
    fs.renameSync(`${out}.${process.pid}.tmp`, out);
  });
}
