import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * The layout holds by test, not by good intentions (README, "Layout"): no
 * import circles, a core that imports nothing of ours, a platform that
 * knows no feature, aws-cdk-lib only under aws/.
 *
 * Imports are read from the syntax tree of TypeScript's own parser (a
 * dependency already), so `import type`, `export ... from`, `export * as`,
 * `require` and `import()` all count and no regular expression guesses at
 * syntax; a type-only import is a dependency of the design even when the
 * compiler erases it. madge would do the same walk with another package
 * and another parser (its TypeScript detective also skips type imports
 * unless told otherwise).
 */
const SRC = path.join(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module a file names: in import and export declarations, `import x = require()`, `require()` and `import()`. */
function moduleSpecifiers(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Each source file (relative to src/) and what it imports: ours (relative to src/) and packages. */
function importGraph(): Map<string, { ours: string[]; packages: string[] }> {
  const graph = new Map<string, { ours: string[]; packages: string[] }>();
  for (const file of sourceFiles(SRC)) {
    const specifiers = moduleSpecifiers(ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest));
    const ours = specifiers.filter((s) => s.startsWith('.')).map((s) => {
      const base = path.resolve(path.dirname(file), s);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
      if (!target) throw new Error(`${path.relative(SRC, file)}: cannot resolve '${s}'`);
      return path.relative(SRC, target);
    });
    graph.set(path.relative(SRC, file), { ours, packages: specifiers.filter((s) => !s.startsWith('.')) });
  }
  return graph;
}

/** The import circles: strongly connected components of more than one file, or a file importing itself (Tarjan). */
function circles(graph: Map<string, { ours: string[] }>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v)!.ours) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = stack.splice(stack.indexOf(v));
      if (component.length > 1 || graph.get(v)!.ours.includes(v)) found.push(component.sort());
    }
  };
  [...graph.keys()].sort().forEach((v) => index.has(v) || visit(v));
  return found;
}

/** Everything `file` imports, directly or not. */
function reachable(graph: Map<string, { ours: string[] }>, file: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...graph.get(file)!.ours];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (!seen.has(f)) {
      seen.add(f);
      todo.push(...graph.get(f)!.ours);
    }
  }
  return seen;
}

const graph = importGraph();

test('the walk sees the whole tree', () => {
  // A broken walk would find no imports, and then no circles.
  expect(graph.size).toBeGreaterThan(40);
  expect(graph.get('index.ts')!.ours).toEqual(expect.arrayContaining(['platform/tenancy-platform.ts', 'tenant/soft-tenant.ts', 'aws/index.ts']));
  expect(graph.get('sandbox/guard.ts')!.ours).toContain('platform/tenancy-platform.ts'); // an `import type`
});

test('the circle finder finds circles', () => {
  const ring = new Map([['a', { ours: ['b'] }], ['b', { ours: ['c'] }], ['c', { ours: ['a'] }], ['d', { ours: ['a', 'd'] }], ['e', { ours: [] }]]);
  expect(circles(ring)).toEqual([['a', 'b', 'c'], ['d']]);
});

test('no import circles', () => {
  expect(circles(graph)).toEqual([]);
});

test('core/ imports nothing of ours outside core/', () => {
  const core = [...graph].filter(([f]) => f.startsWith('core/'));
  expect(core.length).toBeGreaterThanOrEqual(6);
  for (const [file, { ours }] of core) {
    expect({ file, outside: ours.filter((o) => !o.startsWith('core/')) }).toEqual({ file, outside: [] });
  }
});

/** What a feature's audit checks may import of the audit: the kit, and the report types the kit returns. */
const AUDIT_KIT = ['audit/kit/', 'audit/audit-report.ts'];

test('the platform knows no feature: it reaches only core/, platform/, the audit kit and the three settings its props name', () => {
  // TenancyPlatformProps names the placement engine, HNC's user and the
  // break-glass identities (public API): those modules, and what they
  // import, are all the platform may reach. Features register their guards
  // and objects with the platform; the platform never imports them. Its
  // audit check (platform/audit.ts) imports the audit kit, which imports no
  // feature (next test).
  const settings = ['placement/placement-engine.ts', 'placement/internal/', 'selfservice/internal/hnc.ts', 'lifecycle/break-glass.ts', ...AUDIT_KIT];
  const platform = [...graph.keys()].filter((f) => f.startsWith('platform/'));
  expect(platform).toEqual(expect.arrayContaining(['platform/tenancy-platform.ts', 'platform/registry.ts', 'platform/guardrails.ts']));
  for (const file of platform) {
    const beyond = [...reachable(graph, file)].filter((f) => !f.startsWith('core/') && !f.startsWith('platform/') && !settings.some((s) => f.startsWith(s)));
    expect({ file, beyond }).toEqual({ file, beyond: [] });
  }
});

test('the audit kit imports no feature: only core/ and itself', () => {
  // Every feature's audit.ts imports the kit; were the kit to import a
  // feature, features would reach each other through it.
  const kit = [...graph.keys()].filter((f) => AUDIT_KIT.some((k) => f.startsWith(k)));
  expect(kit).toEqual(expect.arrayContaining(['audit/kit/check.ts', 'audit/kit/model.ts', 'audit/kit/loader.ts', 'audit/kit/selectors.ts', 'audit/audit-report.ts']));
  for (const file of kit) {
    const beyond = [...reachable(graph, file)].filter((f) => !f.startsWith('core/') && !AUDIT_KIT.some((k) => f.startsWith(k)));
    expect({ file, beyond }).toEqual({ file, beyond: [] });
  }
});

test('features import of the audit only the kit; only the audit imports its assembly', () => {
  // The assembly (audit/internal/checks.ts) imports every feature's
  // audit.ts; a feature importing it, or the audit's face, would be a circle
  // in the making.
  const crossings = [...graph].flatMap(([file, { ours }]) => ours
    .filter((o) => !file.startsWith('audit/') && o.startsWith('audit/') && !AUDIT_KIT.some((k) => o.startsWith(k)) && file !== 'index.ts')
    .map((o) => `${file} -> ${o}`));
  expect(crossings).toEqual([]);
});

test('a tenant extension imports no other extension', () => {
  // Each extends the tenant and adds to the platform; they compose in the
  // user's app (and in aws/), not in each other.
  const extensions = ['placement', 'sandbox', 'selfservice', 'mesh', 'vcluster'];
  const folder = (f: string) => f.split('/')[0];
  const crossings = [...graph].flatMap(([file, { ours }]) => ours
    .filter((o) => extensions.includes(folder(file)) && extensions.includes(folder(o)) && folder(o) !== folder(file))
    .map((o) => `${file} -> ${o}`));
  expect([...graph.keys()].filter((f) => extensions.includes(folder(f))).length).toBeGreaterThanOrEqual(extensions.length);
  expect(crossings).toEqual([]);
});

test('only aws/ imports aws-cdk-lib', () => {
  const importers = [...graph].filter(([, { packages }]) => packages.some((p) => p === 'aws-cdk-lib' || p.startsWith('aws-cdk-lib/'))).map(([f]) => f);
  expect(importers.length).toBeGreaterThan(0);
  expect(importers.filter((f) => !f.startsWith('aws/'))).toEqual([]);
});

/** The ids of the audit checks a file defines: object literals with a string `id` and a `run`. */
function definedChecks(source: ts.SourceFile): string[] {
  const ids: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const prop = (name: string) => node.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === name);
      const id = prop('id');
      if (id && ts.isPropertyAssignment(id) && ts.isStringLiteral(id.initializer) && prop('run')) ids.push(id.initializer.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return ids;
}

/** Each audit check's id, and the files (relative to src/) defining it. */
function checkDefinitions(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    for (const id of definedChecks(ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest))) {
      found.set(id, [...(found.get(id) ?? []), path.relative(SRC, file)]);
    }
  }
  return found;
}

/** The feature folder each check belongs to: the folder whose constructs emit what it checks. */
const CHECK_OWNERS: Record<string, string> = {
  'cluster.guardrails': 'platform',
  'namespace.pod-security': 'tenant',
  'namespace.hnc-tree': 'selfservice',
  'network.default-deny': 'tenant',
  'network.dns': 'tenant',
  'network.metadata-endpoint': 'tenant',
  'quota.namespace': 'tenant',
  'quota.nodeports': 'tenant',
  'quota.limit-range': 'tenant',
  'quota.priority-classes': 'tenant',
  'quota.tenant-budget': 'tenant',
  'rbac.cluster-scope': 'tenant',
  'rbac.other-tenants': 'tenant',
  'rbac.privilege-escalation': 'tenant',
  'rbac.isolation-objects': 'tenant',
  'network.cross-tenant': 'tenant',
  'nodes.placement': 'placement',
  'mesh.control-plane': 'mesh',
  'vcluster.values': 'vcluster',
  'workloads.admitted': 'tenant',
  'ingress.host-collisions': 'ingress',
  'lifecycle.deletion-protection': 'lifecycle',
};

describe('audit checks live in their features', () => {
  const definitions = checkDefinitions();

  test('the finder finds check definitions, and only those', () => {
    const probe = ts.createSourceFile('x.ts', `
      const a = [{ id: 'x.y', title: 't', run: () => [] }, { id: 'x.z', title: 't', run(ctx) { return ctx; } }];
      const b = { id: 'not.a.check', status: 'pass', findings: [] };`, ts.ScriptTarget.Latest);
    expect(definedChecks(probe)).toEqual(['x.y', 'x.z']);
    expect(definitions.size).toBeGreaterThanOrEqual(Object.keys(CHECK_OWNERS).length);
    expect(definitions.has('cluster.tenants')).toBe(false); // a result built by the audit itself, not a check
  });

  test('each check is defined once, in the audit.ts of its feature folder', () => {
    const misplaced = [...definitions].filter(([id, files]) => {
      const owner = CHECK_OWNERS[id];
      return files.length !== 1 || (owner ? files[0] !== `${owner}/audit.ts` : !/^[a-z-]+\/audit\.ts$/.test(files[0]));
    });
    expect(misplaced).toEqual([]);
    expect(Object.keys(CHECK_OWNERS).filter((id) => !definitions.has(id))).toEqual([]);
  });

  test('src/audit/ defines no check of a feature', () => {
    expect([...definitions].filter(([, files]) => files.some((f) => f.startsWith('audit/')))).toEqual([]);
  });

  test('the audit runs every check defined, the known ones in their report order', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TENANT_CHECKS, CLUSTER_CHECKS } = require('../src/audit/internal/checks');
    const assembled: string[] = [...TENANT_CHECKS, ...CLUSTER_CHECKS].map((c: { id: string }) => c.id);
    expect([...assembled].sort()).toEqual([...definitions.keys()].sort());
    // Ids and order are in every report: new checks may go anywhere, the known ones keep their order.
    const known = Object.keys(CHECK_OWNERS).filter((id) => id !== 'cluster.guardrails');
    expect(TENANT_CHECKS.map((c: { id: string }) => c.id).filter((id: string) => known.includes(id))).toEqual(known);
  });
});
