import { ApiObject, Yaml } from 'cdk8s';
import { stringifyManifest } from '../../src/gitops/manifest-yaml';

/*
 * Runs before every test file (jest setupFilesAfterEnv): records every object
 * any test or example synthesizes (each ApiObject's toJson), and after the
 * file's tests checks that the library's serializer writes each of them
 * byte for byte as cdk8s's Yaml.stringify (what `cdk8s synth` writes).
 */
const seen = new Set<string>();
const objects: any[] = [];
const toJson = ApiObject.prototype.toJson;
ApiObject.prototype.toJson = function (this: ApiObject) {
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

afterAll(() => {
  const differ = objects.filter((o) => stringifyManifest(o) !== Yaml.stringify(o));
  // the first difference in full, as a diff
  if (differ.length > 0) expect(stringifyManifest(differ[0])).toBe(Yaml.stringify(differ[0]));
  expect(differ.length).toBe(0);
});
