import { ApiObject, Yaml } from 'cdk8s';
import { CDK8S_TO_JSON, withCdk8sToJson } from './cdk8s-to-json';
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
 */
const seen = new Set<string>();
const objects: any[] = [];
const instances = new Set<ApiObject>();
const toJson = CDK8S_TO_JSON;
const recording = function (this: ApiObject) {
  instances.add(this);
  const json = toJson.call(this);
  try {
    const key = JSON.stringify(json);
    if (!seen.has(key)) {
      seen.add(key);
      objects.push(json);
    }
  } catch {
    objects.push(json); // not JSON (a cycle): compare it anyway
  }
  return json;
};
// While this recorder replaces ApiObject.prototype.toJson, the fast path
// (which reproduces cdk8s's own toJson) declines every object and the
// writer calls toJson(): so every object the writer writes in a test is
// recorded here, and compared below.
ApiObject.prototype.toJson = recording;

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
