import * as fs from 'fs';
import * as path from 'path';
import { describeResult, Result } from './client';
import { podsOf } from './example-suite';
import { ARGOCD, installControllerNamespaces, installCrds, kindsWithoutCrd, objectRef, useCluster, waitForDefaultServiceAccount } from './fixture';
import { CORPUS_DIR, CorpusFile, corpusFile } from '../helpers/corpus';
import { K8sObject } from '../helpers/manifests';

/*
 * Every object the unit tier synthesizes (the corpus, recorded by
 * test/helpers/yaml-differential.ts), not only the examples', sent to a real
 * API server as the platform's GitOps controller sends it: server-side
 * apply, strict field validation, in dry run. The namespaces are created
 * for real first (each with the labels the corpus gives it, so Pod Security
 * judges by them), the CRDs the objects need installed, and every workload's
 * pod template created (dry run) as a Pod in its namespace by the controller
 * that creates it. The guards are not installed: the examples' tests prove
 * them; this proves the schema, strict field validation and the built-in
 * admission chain accept everything the library emits.
 */

const REPO = path.join(__dirname, '..', '..');

/**
 * Where a namespaced object the tests build without a namespace goes (a
 * user's Deployment, a ConfigMap of the GitOps writer's tests), as a GitOps
 * controller puts it into its Application's destination namespace.
 */
const DESTINATION = 'corpus-destination';
const RECORD = 'npx jest (the unit tier records the corpus in .ci/tmp/corpus/ as it runs)';

/**
 * Kinds the corpus holds that no CRD available here defines, with why.
 * Their objects are not sent; a kind missing from this list fails the test.
 */
const NO_CRD_HERE: Record<string, string> = {
  // ../shared/schemas holds the Sail operator 1.30.3's Istio and
  // IstioRevision CRDs only; its IstioCNI CRD is not stored here (the mesh
  // tests emit the cluster's one IstioCNI, named default).
  'sailoperator.io/IstioCNI': 'the Sail operator\'s IstioCNI CRD is not in ../shared/schemas',
  // test/platform-registry.test.ts proves the registry with a made-up kind
  // (example.com/v1 Thing 'a'): no CRD for it exists anywhere.
  'example.com/Thing': 'a made-up kind of test/platform-registry.test.ts',
};

/**
 * Objects the unit tests build invalid ON PURPOSE, each named precisely
 * (test file, kind, namespace/name) with why. Each must be refused: an entry
 * that matches nothing, or whose object is accepted, fails the test.
 */
const INVALID_ON_PURPOSE: { source: string; ref: string; why: string }[] = [
  // 'writes the bytes of cdk8s synth for text beyond ASCII': a ConfigMap
  // whose data holds a lone surrogate (\ud800, not Unicode) and a control
  // character; the test proves the writer's bytes, not the object. The API
  // server's YAML decoder refuses the escape ("found invalid Unicode
  // character escape code"), on 1.37 and 1.32.
  { source: 'test/gitops.test.ts', ref: `ConfigMap ${DESTINATION}/notes`, why: 'a lone surrogate in its data, on purpose' },
];

/**
 * Built-in APIs the library emits that the oldest supported minor does not
 * serve, with the first minor that does (the README documents it). On an
 * older minor their objects are not sent and must be unserved; on a newer
 * one they are sent like the rest.
 */
const SERVED_FROM: Record<string, number> = {
  // GA and on by default from 1.36 (alpha and off on 1.32): TenantPodLabels' default engine.
  'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy': 36,
  'admissionregistration.k8s.io/v1/MutatingAdmissionPolicyBinding': 36,
};

/** One distinct object of the corpus and every test file that made it. */
interface Entry {
  /** As recorded; a namespaced object without a namespace is given DESTINATION before it is sent. */
  object: K8sObject;
  readonly sources: string[];
}

/** The unit tier's test files (everything jest runs but the cluster tier). */
function unitTestFiles(dir = path.join(REPO, 'test')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'cluster' || e.name === 'node_modules' ? [] : unitTestFiles(full);
    return e.name.endsWith('.test.ts') ? [path.relative(REPO, full).split(path.sep).join('/')] : [];
  });
}

function newestMtime(dir: string): number {
  return Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) =>
    e.isDirectory() ? newestMtime(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs));
}

/** Per test file, the label sets its Namespace objects give each namespace name. */
type SourceNamespaces = Map<string, Map<string, Record<string, string>[]>>;

function loadCorpus(): { entries: Entry[]; recorded: number; files: number; namespaces: SourceNamespaces } {
  const sources = unitTestFiles().sort();
  const missing = sources.filter((s) => !fs.existsSync(corpusFile(s)));
  if (missing.length === sources.length) {
    throw new Error(`no corpus in ${CORPUS_DIR}: record it by running the unit tier first: ${RECORD}`);
  }
  if (missing.length > 0) {
    throw new Error(`the corpus has no record of ${missing.length} unit test file(s): ${missing.join(', ')}; record them: ${RECORD}`);
  }
  // A record older than its test file or than the library's source is not what they make now.
  const newestSource = newestMtime(path.join(REPO, 'src'));
  const stale = sources.filter((s) => fs.statSync(corpusFile(s)).mtimeMs < Math.max(newestSource, fs.statSync(path.join(REPO, s)).mtimeMs));
  if (stale.length > 0) {
    throw new Error(`the corpus of ${stale.length} unit test file(s) is older than the file or src/: ${stale.join(', ')}; record it again: ${RECORD}`);
  }
  // Files of test files that are gone (renamed, removed) are not read: the corpus is what the current tests make.
  const byJson = new Map<string, Entry>();
  const namespaces: SourceNamespaces = new Map();
  let recorded = 0;
  for (const source of sources) {
    const file: CorpusFile = JSON.parse(fs.readFileSync(corpusFile(source), 'utf8'));
    if (file.source !== source) throw new Error(`${corpusFile(source)} holds the corpus of ${file.source}, not of ${source}`);
    const mine = new Map<string, Record<string, string>[]>();
    namespaces.set(source, mine);
    for (const object of file.objects) {
      recorded++;
      if (object.kind === 'Namespace') mine.set(object.metadata.name, [...mine.get(object.metadata.name) ?? [], object.metadata.labels ?? {}]);
      const key = JSON.stringify(object);
      const entry = byJson.get(key);
      if (entry) {
        if (!entry.sources.includes(source)) entry.sources.push(source);
      } else {
        byJson.set(key, { object, sources: [source] });
      }
    }
  }
  return { entries: [...byJson.values()], recorded, files: sources.length, namespaces };
}

/** Runs `f` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  }));
  return out;
}

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';
const PSA_RANK = ['privileged', 'baseline', 'restricted'];

/**
 * One Namespace per name, as the corpus declares it: the union of the labels
 * every test file gives it. Where two disagree on a label the first recorded
 * wins, except Pod Security's enforce level, where the strictest wins (a pod
 * is then judged by the strictest level any test gives its namespace).
 */
function mergedNamespaces(entries: Entry[]): K8sObject[] {
  const byName = new Map<string, Record<string, string>>();
  for (const { object } of entries) {
    const name = object.kind === 'Namespace' ? object.metadata.name : object.metadata.namespace;
    if (!name) continue;
    if (!byName.has(name)) byName.set(name, {});
    if (object.kind !== 'Namespace') continue;
    const labels = byName.get(name)!;
    for (const [k, v] of Object.entries<string>(object.metadata.labels ?? {})) {
      if (!(k in labels)) labels[k] = v;
      else if (k === PSA_ENFORCE && PSA_RANK.indexOf(v) > PSA_RANK.indexOf(labels[k])) labels[k] = v;
    }
  }
  return [...byName].map(([name, labels]) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }) as K8sObject);
}

describe('the corpus: every object the unit tests synthesize, applied to a real API server', () => {
  const cluster = useCluster('corpus');
  let corpus: ReturnType<typeof loadCorpus>;
  let sent: Entry[] = [];
  const refused = new Map<Entry, Result>();

  let missing = new Map<string, number>();

  beforeAll(() => {
    corpus = loadCorpus();
    missing = kindsWithoutCrd(corpus.entries.map((e) => e.object));
    sent = corpus.entries.filter((e) => !missing.has(`${groupOf(e.object.apiVersion)}/${e.object.kind}`));
  });

  test('every kind has a CRD here, or is allowlisted with the reason', () => {
    expect([...missing.keys()].filter((k) => !(k in NO_CRD_HERE)).map((k) => `${k}: ${missing.get(k)} object(s)`)).toEqual([]);
    // The allowlist names only kinds the corpus still has.
    expect(Object.keys(NO_CRD_HERE).filter((k) => !missing.has(k))).toEqual([]);
  });

  test('every object is accepted (server-side apply as the GitOps controller, strict field validation, dry run)', async () => {
    const { client } = cluster();
    const started = Date.now();
    expect(sent.length).toBeGreaterThan(0);
    await installCrds(client, sent.map((e) => e.object));
    // What this minor does not serve: only the APIs listed, only before their minor.
    const minor = Number(cluster().minor.split('.')[1]);
    const unserved = new Map<string, number>();
    for (const e of sent) {
      const api = `${e.object.apiVersion}/${e.object.kind}`;
      if (!(api in SERVED_FROM)) continue;
      const served = await client.namespaced(e.object.apiVersion, e.object.kind).then(() => true, () => false);
      expect([api, served]).toEqual([api, minor >= SERVED_FROM[api]]);
      if (!served) unserved.set(api, (unserved.get(api) ?? 0) + 1);
    }
    sent = sent.filter((e) => !unserved.has(`${e.object.apiVersion}/${e.object.kind}`));
    if (unserved.size > 0) process.stderr.write(`[corpus] not served by ${cluster().minor}, not sent: ${[...unserved].map(([k, n]) => `${k} (${n})`).join(', ')}\n`);
    for (const e of sent) {
      if (!e.object.metadata.namespace && await client.namespaced(e.object.apiVersion, e.object.kind)) {
        e.object = { ...e.object, metadata: { ...e.object.metadata, namespace: DESTINATION } };
      }
    }
    const objects = sent.map((e) => e.object);
    await installControllerNamespaces(client, objects);
    const namespaces = mergedNamespaces(sent);
    for (const ns of namespaces) {
      const r = await client.apply(ns, { as: ARGOCD, fieldManager: 'argocd-controller' });
      if (!r.ok) throw new Error(`creating namespace ${ns.metadata.name}: ${describeResult(r)}`);
    }
    const results = await pool(sent, 8, (e) => client.apply(e.object, { as: ARGOCD, fieldManager: 'argocd-controller', dryRun: true }));
    results.forEach((r, i) => { if (!r.ok) refused.set(sent[i], r); });
    const unexpected = [...refused].filter(([e]) => !onPurpose(e))
      .map(([e, r]) => `${objectRef(e.object)} (from ${e.sources.join(', ')}): ${describeResult(r)}`);
    process.stderr.write(`[corpus] ${corpus.recorded} objects recorded by ${corpus.files} test files, ${corpus.entries.length} distinct, `
      + `${sent.length} sent, ${namespaces.length} namespaces; ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(unexpected).toEqual([]);
  });

  test('the objects built invalid on purpose are refused, and are exactly the ones listed', () => {
    for (const p of INVALID_ON_PURPOSE) {
      const matches = sent.filter((e) => e.sources.includes(p.source) && objectRef(e.object) === p.ref);
      expect([p.ref, matches.length]).not.toEqual([p.ref, 0]);
      expect(matches.filter((e) => !refused.has(e)).map((e) => `${objectRef(e.object)} accepted`)).toEqual([]);
    }
  });

  test('every pod template is admitted as a Pod by its controller, in its namespace as its own test file labels it (Pod Security; dry run)', async () => {
    const { client } = cluster();
    // Admission resolves a pod's RuntimeClass and PriorityClass: the corpus's, created for real (the first of a name).
    for (const kind of ['RuntimeClass', 'PriorityClass']) {
      const byName = new Map(sent.filter((e) => e.object.kind === kind).reverse().map((e) => [e.object.metadata.name, e.object]));
      for (const o of byName.values()) {
        const r = await client.apply(o, { as: ARGOCD, fieldManager: 'argocd-controller' });
        if (!r.ok) throw new Error(`creating ${objectRef(o)}: ${describeResult(r)}`);
      }
    }
    // A class a pod names that no test emits is the platform's (a tenant
    // may be allowed an existing PriorityClass or RuntimeClass, which the
    // library references and does not emit): made here, as the platform has it.
    const templatePods = sent.flatMap((e) => (e.object.kind === 'Pod' ? [] : podsOf([e.object])).map((t) => t.pod));
    const platformClasses = [
      ...new Set(templatePods.map((p) => p.spec.priorityClassName).filter((n) => n)),
    ].map((name) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 0 })).concat([
      ...new Set(templatePods.map((p) => p.spec.runtimeClassName).filter((n) => n)),
    ].map((name) => ({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler: name }) as any));
    for (const c of platformClasses) {
      if (await client.get(c)) continue;
      const r = await client.apply(c, { fieldManager: 'cluster-setup' });
      if (!r.ok) throw new Error(`creating ${objectRef(c)}: ${describeResult(r)}`);
    }
    // Each pod is judged in a namespace with the labels its own test file
    // gives its namespace (the corpus records per file, not per test: a
    // file giving it several label sets admits it under any one of them);
    // where its file declares none, in the namespace as merged above.
    const variants = new Map<string, string>(); // label set (JSON) -> namespace made for it
    const namespaceFor = async (labels: Record<string, string>): Promise<string> => {
      const key = JSON.stringify(labels);
      if (!variants.has(key)) {
        const name = `corpus-pods-${variants.size}`;
        variants.set(key, name);
        const r = await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, { as: ARGOCD, fieldManager: 'argocd-controller' });
        if (!r.ok) throw new Error(`creating namespace ${name}: ${describeResult(r)}`);
      }
      return variants.get(key)!;
    };
    const merged = new Map(mergedNamespaces(sent).map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    const refusedPods: string[] = [];
    let tried = 0;
    for (const e of sent) {
      for (const { source: ref, pod, creator } of e.object.kind === 'Pod' ? [] : podsOf([e.object])) {
        const original = pod.metadata.namespace as string;
        for (const source of e.sources) {
          const labelSets = corpus.namespaces.get(source)?.get(original) ?? [merged.get(original) ?? {}];
          const reasons: string[] = [];
          for (const labels of labelSets) {
            const namespace = await namespaceFor(labels);
            await waitForDefaultServiceAccount(client, namespace);
            const account = pod.spec.serviceAccountName;
            if (account && account !== 'default') {
              await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace } }, { fieldManager: 'cluster-setup' });
            }
            tried++;
            const r = await client.create({ ...pod, metadata: { ...pod.metadata, namespace } }, { as: creator, dryRun: true });
            if (r.ok) { reasons.length = 0; break; }
            reasons.push(describeResult(r));
          }
          if (reasons.length > 0) {
            refusedPods.push(`${ref} (from ${source}, in ${original} as it labels it): ${reasons.join(' | ')}`);
          }
        }
      }
    }
    process.stderr.write(`[corpus] ${tried} pod admissions tried, in ${variants.size} namespaces\n`);
    expect(tried).toBeGreaterThan(0);
    expect(refusedPods).toEqual([]);
  });
});

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

function onPurpose(e: Entry): boolean {
  return INVALID_ON_PURPOSE.some((p) => e.sources.includes(p.source) && objectRef(e.object) === p.ref);
}

