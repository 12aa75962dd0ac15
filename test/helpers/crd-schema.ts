import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as YAML from 'yaml';
import { K8sObject } from './manifests';

/*
 * Validates third-party objects against their upstream CustomResourceDefinitions,
 * read unmodified from ../shared/schemas (see its README for versions and
 * licences). Each CRD version's openAPIV3Schema is used as JSON Schema, with
 * what the API server adds for a structural schema under strict field
 * validation: a field the schema does not declare is an error (unless the
 * schema says x-kubernetes-preserve-unknown-fields), and int-or-string fields
 * take either. NOT evaluated here: x-kubernetes-validations (CEL rules) and
 * list-type uniqueness — the real API server of the cluster tier checks those.
 */

/** ../shared beside the repository (tests and CI have it there). */
export const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');

/** The upstream CRD folders the library's third-party kinds come from. */
export const CRD_FOLDERS = ['gatekeeper-v3.23.0', 'sail-operator-1.30.3', 'hnc-v1.1.0', 'kyverno-v1.19.0'];

type Schema = Record<string, any>;

/** Makes a CRD schema strict the way the API server is with fieldValidation=Strict. */
function strictStructural(s: Schema): Schema {
  if (!s || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, strictStructural(pv)]));
    } else if (k === 'items' || k === 'additionalProperties' || k === 'not') {
      out[k] = typeof v === 'object' ? strictStructural(v) : v;
    } else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') {
      out[k] = (v as Schema[]).map(strictStructural);
    } else if (k.startsWith('x-kubernetes-')) {
      continue; // API server extensions, handled below or by the real server
    } else {
      out[k] = v;
    }
  }
  if (s['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  // `metadata` is validated by the API server's ObjectMeta, not the CRD.
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !preserve) {
    out.additionalProperties = false;
  }
  return out;
}

let registry: Map<string, Schema> | undefined;
const compiled = new Map<string, ValidateFunction>();
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

/** `apiVersion/kind` → schema, for every served version of every shared CRD (compiled on first use: some are large). */
export function crdSchemas(): Map<string, Schema> {
  if (registry) return registry;
  if (!fs.existsSync(SHARED)) {
    throw new Error(`the upstream CRDs are read from ${SHARED} (the shared folder beside the repository); it is missing`);
  }
  registry = new Map();
  for (const folder of CRD_FOLDERS) {
    const dir = path.join(SHARED, 'schemas', folder);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJSON();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const v of crd.spec.versions) {
          if (!v.served) continue;
          const schema = strictStructural(v.schema.openAPIV3Schema);
          // apiVersion/kind/metadata are the API server's, not the CRD's.
          schema.properties = { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
          registry.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, schema);
        }
      }
    }
  }
  return registry;
}

/** The validator for an object's kind from the shared CRDs, if one exists. */
export function crdValidatorFor(obj: { apiVersion: string; kind: string }): ValidateFunction | undefined {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const schema = crdSchemas().get(key);
  if (!schema) return undefined;
  if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
  return compiled.get(key);
}

/** Throws, naming the object and every violation, when it does not match its CRD. */
export function validateAgainstCrd(obj: K8sObject): void {
  const validate = crdValidatorFor(obj);
  if (!validate) throw new Error(`no upstream CRD in ${SHARED}/schemas for ${obj.apiVersion} ${obj.kind}`);
  if (!validate(obj as unknown)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${(e.params as any).additionalProperty})` : ''}`);
    throw new Error(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name} does not match its upstream CRD: ${errors.join('; ')}`);
  }
}
