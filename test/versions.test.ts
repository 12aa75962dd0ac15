import * as fs from 'fs';
import * as path from 'path';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { crdSchemas, CRD_FOLDERS } from './helpers/crd-schema';
import {
  ARGO_CD_CHECKED, ARGO_CD_OLDEST,
  DEFAULT_POD_SECURITY_VERSION, GATEKEEPER_NEWEST, GATEKEEPER_OLDEST, HNC_VERSION, ISTIO_DEFAULT_VERSION, ISTIO_NEWEST_PATCHES,
  istioVersions, KUBERNETES_EXTENDED_SUPPORT_MINORS, KUBERNETES_NEWEST_MINOR, KUBERNETES_OLDEST_MINOR, KUBERNETES_STANDARD_SUPPORT_MINORS,
  KYVERNO_NEWEST, podSecurityVersionProblem, SAIL_OPERATOR_VERSION, VERSIONS_CHECKED,
} from '../src/core/versions';

/*
 * The pins of src/versions.ts against what the upstream schemas in
 * ../shared/schemas accept: when one of them is bumped (a new Sail, a new
 * Gatekeeper...), these fail until the pins follow, rather than a user
 * finding out.
 */

/** `<project>-<version>` → version, for each shared CRD folder. */
const sharedVersion = (project: string) => {
  const folder = CRD_FOLDERS.find((f) => f.startsWith(`${project}-`));
  if (!folder) throw new Error(`no ${project} folder in ../shared/schemas (have ${CRD_FOLDERS.join(', ')})`);
  return folder.slice(project.length + 1);
};
const minor = (v: string) => Number(/^v?\d+\.(\d+)/.exec(v)![1]);
const patch = (v: string) => Number(/^v?\d+\.\d+\.(\d+)$/.exec(v)![1]);

describe('Istio and the Sail operator', () => {
  const sailEnum: string[] = crdSchemas().get('sailoperator.io/v1/Istio')!.properties.spec.properties.version.enum;
  // Sail refuses the minors before its oldest supported one as end-of-life (the README of ../shared/schemas).
  const oldestInstalled = minor(Object.keys(ISTIO_NEWEST_PATCHES)[0]);

  test('the Sail pin is the shared CRD\'s release', () => {
    expect(sharedVersion('sail-operator')).toBe(SAIL_OPERATOR_VERSION);
  });

  test('every accepted version is in the CRD enum, and every installable enum entry is accepted', () => {
    const accepted = istioVersions(true);
    for (const v of accepted) expect(sailEnum).toContain(v);
    expect([...accepted].sort()).toEqual(sailEnum.filter((v) => /^v1\.\d+/.test(v) && minor(v) >= oldestInstalled).sort());
  });

  test('each supported minor\'s newest patch, and the default, are the newest the CRD lists', () => {
    for (const [m, newest] of Object.entries(ISTIO_NEWEST_PATCHES)) {
      const patches = sailEnum.filter((v) => v.startsWith(`${m}.`)).map(patch);
      expect([m, newest]).toEqual([m, Math.max(...patches)]);
    }
    const releases = sailEnum.filter((v) => /^v1\.\d+\.\d+$/.test(v));
    const newest = releases.reduce((a, b) => (minor(b) > minor(a) || (minor(b) === minor(a) && patch(b) > patch(a)) ? b : a));
    expect(ISTIO_DEFAULT_VERSION).toBe(newest);
  });

  test('no bare minor is accepted (the CRD enum has none)', () => {
    expect(istioVersions(true).filter((v) => /^v1\.\d+$/.test(v))).toEqual([]);
    expect(sailEnum.filter((v) => /^v1\.\d+$/.test(v))).toEqual([]);
  });
});

describe('policy engines and HNC', () => {
  test('Gatekeeper: the newest checked release is the shared CRDs\', and the oldest supported minor is not newer', () => {
    expect(sharedVersion('gatekeeper')).toBe(`v${GATEKEEPER_NEWEST}`);
    expect(minor(GATEKEEPER_OLDEST)).toBeLessThanOrEqual(minor(GATEKEEPER_NEWEST));
    expect(minor(GATEKEEPER_NEWEST) - minor(GATEKEEPER_OLDEST)).toBe(1);
  });

  test('Kyverno and HNC: the pins are the shared CRDs\' releases', () => {
    expect(sharedVersion('kyverno')).toBe(`v${KYVERNO_NEWEST}`);
    expect(sharedVersion('hnc')).toBe(HNC_VERSION);
  });
});

test('Argo CD: the checked release is the one test/engines/argocd builds its AppProject code from', () => {
  const goMod = fs.readFileSync(path.join(__dirname, 'engines', 'argocd', 'go.mod'), 'utf8');
  expect(/^\s*github\.com\/argoproj\/argo-cd\/v3 (v\S+)$/m.exec(goMod)?.[1]).toBe(`v${ARGO_CD_CHECKED}`);
  expect(Number(ARGO_CD_CHECKED.split('.')[0])).toBeGreaterThan(Number(ARGO_CD_OLDEST.split('.')[0]));
});

describe('Kubernetes', () => {
  const cdkMinors = Object.keys(eks.KubernetesVersion).map((k) => /^V1_(\d+)$/.exec(k)).filter((m) => m).map((m) => Number(m![1]));

  test('the newest known minor is the newest aws-cdk-lib offers for EKS', () => {
    expect(Math.max(...cdkMinors)).toBe(KUBERNETES_NEWEST_MINOR);
  });

  test('extended then standard support covers the supported range, without gaps, from the oldest minor', () => {
    const all = [...KUBERNETES_EXTENDED_SUPPORT_MINORS, ...KUBERNETES_STANDARD_SUPPORT_MINORS];
    expect(all).toEqual(Array.from({ length: KUBERNETES_NEWEST_MINOR - KUBERNETES_OLDEST_MINOR + 1 }, (_, i) => KUBERNETES_OLDEST_MINOR + i));
    for (const m of all) expect(cdkMinors).toContain(m);
  });

  test('the default Pod Security version is the oldest supported minor; the accepted ones are exactly the supported range', () => {
    expect(DEFAULT_POD_SECURITY_VERSION).toBe(`v1.${KUBERNETES_OLDEST_MINOR}`);
    const accepted = Array.from({ length: 60 }, (_, i) => `v1.${i}`).filter((v) => podSecurityVersionProblem(v) === undefined);
    expect(accepted).toEqual(Array.from({ length: KUBERNETES_NEWEST_MINOR - KUBERNETES_OLDEST_MINOR + 1 }, (_, i) => `v1.${KUBERNETES_OLDEST_MINOR + i}`));
    expect(podSecurityVersionProblem('latest')).toMatch(/must be pinned/);
  });
});

test('the README\'s version table states the pins and the date they were checked', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Versions'), readme.indexOf('## Examples'));
  expect(table).toContain(`Checked **${VERSIONS_CHECKED}**`);
  for (const fact of [
    `1.${KUBERNETES_OLDEST_MINOR} to 1.${KUBERNETES_NEWEST_MINOR}`, `\`${DEFAULT_POD_SECURITY_VERSION}\` (the oldest supported Kubernetes)`,
    `\`${ISTIO_DEFAULT_VERSION}\``, `Sail operator ${SAIL_OPERATOR_VERSION}`, `checked against ${GATEKEEPER_NEWEST}`,
    `${GATEKEEPER_OLDEST} to ${GATEKEEPER_NEWEST.split('.').slice(0, 2).join('.')}`, `checked against ${KYVERNO_NEWEST}`, `${HNC_VERSION} (`, 'dormant',
    `Argo CD | checked against ${ARGO_CD_CHECKED}`, `${ARGO_CD_OLDEST} and later`,
    ...Object.entries(ISTIO_NEWEST_PATCHES).map(([m, p]) => `\`${m}.0\`–\`${m}.${p}\``),
  ]) {
    expect([fact, table.includes(fact)]).toEqual([fact, true]);
  }
});
