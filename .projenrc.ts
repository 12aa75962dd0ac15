import { cdk8s, javascript, JsonFile } from 'projen';

// Versions are pinned in one place so the peer ranges, the dev installs and
// the README stay in step.
const CDK8S = '2.70.106';
const CONSTRUCTS = '10.8.1';
const CDK8S_PLUS = '2.9.5';
const AWS_CDK_LIB = '2.276.0';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-tenancy',
  description:
    'cdk8s and AWS CDK constructs for Kubernetes multi-tenancy: namespace-per-tenant with guardrails, sole-tenant nodes, cluster per tenant, Istio per tenant.',
  author: 'cdk8s-tenancy developers',
  authorAddress: 'dev@cdk8s-tenancy.invalid',
  repositoryUrl: 'https://github.com/cdk8s-tenancy/cdk8s-tenancy.git',
  keywords: ['cdk8s', 'kubernetes', 'multi-tenancy', 'eks', 'network-policy', 'pod-security', 'istio'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Node 22 and 24, the LTS lines still supported upstream (issue 19). Node
  // 20 reached end of life in 2026: jsii warns on it, and the ES-module-only
  // schema packages below (and their @kubernetes-models dependencies)
  // declare Node >= 22, so `npm ci` on 20 prints EBADENGINE for each of
  // them. On 22+ the install is quiet. The library itself still runs on 20
  // (this project's machines have only Node 20 and run the tests there).
  minNodeVersion: '22.0.0',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',

  cdk8sVersion: CDK8S,
  constructsVersion: CONSTRUCTS,
  peerDeps: [`cdk8s-plus-27@^${CDK8S_PLUS}`, `aws-cdk-lib@^${AWS_CDK_LIB}`],
  devDeps: [
    `cdk8s-plus-27@${CDK8S_PLUS}`,
    `aws-cdk-lib@${AWS_CDK_LIB}`,
    // The newest cdk8s-plus line, for the test that an app using it beside
    // the cdk8s-plus-27 peer works (test/cdk8s-plus.test.ts).
    'cdk8s-plus-34@2.0.54',
    // Schema validation of every synthesized object (tests only).
    'kubernetes-models@~5.1.0',
    // Argo CD and Flux schemas (Flux 4.x: the line with helm.toolkit.fluxcd.io/v2
    // and source.toolkit.fluxcd.io/v1, the APIs a virtual cluster's HelmRelease uses).
    '@kubernetes-models/argo-cd@~4.0.0',
    '@kubernetes-models/flux-cd@~4.0.0',
    // Istio: 3.x, the first line with networking.istio.io/v1 and
    // PeerAuthentication at security.istio.io/v1 (the APIs the mesh emits, GA
    // since Istio 1.22); ES modules only, mapped and transformed like Kyverno.
    '@kubernetes-models/istio@~3.0.1',
    // Kyverno (placement engine) and Karpenter (NodePool) schemas. Their
    // only releases with the CRDs we emit are ES modules (exports with just
    // the `import` condition); jest maps and transforms them below.
    '@kubernetes-models/kyverno@2.0.0',
    '@kubernetes-models/karpenter@2.0.0',
    // AwsSolutions checks on the AWS constructs, as a validation plugin.
    'cdk-nag@^3.0.2',
    // Evaluates the ValidatingAdmissionPolicies' CEL in tests; takes plain
    // objects and the Kubernetes-style syntax our policies use.
    '@marcbachmann/cel-js@^8.0.0',
    // Evaluates the JMESPath preconditions of the Kyverno mutations in tests
    // (the reference JavaScript implementation; Kyverno's is a Go port of
    // the same spec). Small, CommonJS, no dependencies.
    'jmespath@^0.16.0',
    // Validates third-party objects against their upstream CRD schemas in
    // ../shared/schemas (OpenAPI v3 as JSON Schema) and the vcluster
    // chart's values.schema.json (draft 2020-12): the reference JSON Schema
    // validator, the one kubernetes-models already uses.
    'ajv@^8.17.1',
    'ajv-formats@^3.0.1',
    '@types/jmespath',
    // Property-based tests: generated values for the differential test of
    // the manifest serializer against cdk8s's Yaml.stringify. The most used
    // JavaScript generator library; shrinks a failure to a small case.
    'fast-check@^4.10.2',
    'ts-node',
    'tsconfig-paths',
  ],
  // ipaddr.js: the CIDR parser behind express/proxy-addr; small, no deps,
  // handles IPv4 and IPv6 prefixes. Bundled because jsii packages may only
  // have bundled runtime dependencies besides their peers.
  // yaml: the YAML 1.2 parser and serializer cdk8s itself uses; reads the
  // multi-document manifests the audit checks. commander: the most used
  // Node.js CLI parser, CommonJS and Node 20 in its v14, small, no deps.
  bundledDeps: ['ipaddr.js@^2.2.0', 'yaml@^2.9.1', 'commander@^14.0.0'],
  bin: { 'cdk8s-tenancy': 'lib/audit/cli.js' },

  jestOptions: {
    // Snapshots only change on purpose: `npm run test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Jest's default is one worker per core minus one for its own
      // process, which idles: on the 2-core CI machine that ran the unit
      // tier in one worker (481 s in the cold run). One per core.
      maxWorkers: '100%',
      // The cluster tier runs apart, against real API servers (test:cluster).
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
      moduleNameMapper: { '^cdk8s-tenancy$': '<rootDir>/src', '^cdk8s-tenancy/aws$': '<rootDir>/src/aws' },
      // The CEL evaluator and the Kyverno, Karpenter and Flux 4 schemas ship as ES
      // modules only; let ts-jest turn them into CommonJS like the rest of
      // the test code (transpiling only: they are not ours to type-check).
      // The schemas export only for `import`, hence the resolver.
      resolver: '<rootDir>/test/helpers/esm-only-resolver.js',
      // After each test file: every object its tests synthesized is written
      // with the library's YAML serializer and with cdk8s's Yaml.stringify,
      // and the two must agree byte for byte (yaml-differential); the
      // temporary folders the file's tests made with tempDir() are removed
      // (temp-dir; issue 19: tests left thousands of folders in /tmp).
      setupFilesAfterEnv: ['<rootDir>/test/helpers/yaml-differential.ts', '<rootDir>/test/helpers/temp-dir.ts'],
      // Each run makes its temporary files under one root (TMPDIR for the
      // workers and every program they run) and fails, naming them, when
      // the tests left any there (test/helpers/run-root.ts).
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
      // (Their dependencies is-cidr and cidr-regex are ES modules too.)
      transformIgnorePatterns: ['^(?!.*/node_modules/(@marcbachmann/cel-js|kubernetes-models|@kubernetes-models/[^/]+|is-cidr|cidr-regex)/).*/node_modules/'],
      transform: {
        '^.+/@marcbachmann/cel-js/.+\\.js$': new javascript.Transform('ts-jest', {
          tsconfig: { allowJs: true, module: 'commonjs' },
        }),
        '^.+/node_modules/(kubernetes-models|@kubernetes-models/[^/]+|is-cidr|cidr-regex)/.+\\.js$': new javascript.Transform('ts-jest', {
          tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', isolatedModules: true },
        }),
      },
    },
  },
  // Examples and tests import the library by its package name, as users do.
  tsconfigDev: {
    compilerOptions: { baseUrl: '..', paths: { 'cdk8s-tenancy': ['src'], 'cdk8s-tenancy/aws': ['src/aws'] } },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'projenrc', '.projenrc.ts'],
    ignorePatterns: ['src/imports/**'],
  },

  publishToPypi: { distName: 'cdk8s-tenancy', module: 'cdk8s_tenancy' },
  publishToMaven: {
    javaPackage: 'io.github.cdk8s_tenancy',
    mavenGroupId: 'io.github.cdk8s-tenancy',
    mavenArtifactId: 'cdk8s-tenancy',
  },
  publishToNuget: { dotNetNamespace: 'Cdk8sTenancy', packageId: 'Cdk8sTenancy' },
  publishToGo: { moduleName: 'github.com/cdk8s-tenancy/cdk8s-tenancy-go' },

  // No GitHub workflows: CI is `.ci/run` on this project's machines.
  github: false,
  release: false,
  gitignore: ['/examples/out/', '.ci/tmp/', '.jsii.tabl.json'],
});

// The other examples, one per setting of the seeds.
for (const name of ['enterprise', 'saas', 'kaas', 'vcluster', 'selfservice']) {
  project.addTask(`example:${name}`, {
    description: `Synthesize examples/${name} into dist/examples/${name}`,
    exec: `ts-node --transpile-only --project examples/tsconfig.json -r tsconfig-paths/register examples/${name}/app.ts`,
    // Options after `--` reach the app: the README's
    // `npm run example:saas -- --dry-run --count 250` (they were dropped
    // before, and the dry run wrote nothing of what it was asked).
    receiveArgs: true,
  });
}

// The examples run transpile-only (`npm run example*`): they are type-checked
// once, by the tests that import them (ts-jest) and by eslint's typed rules.
// Type-checking them again on every run cost 19 s and 965 MB against 4.7 s
// and 169 MB (issue 19).
// The examples type-check like tests do, importing the library by name.
for (const dir of ['examples', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'] },
  });
}
// eslint resolves `cdk8s-tenancy` through the same path mapping.
project.tryFindObjectFile('.eslintrc.json')?.addOverride('settings.import/resolver.typescript.project',
  ['./tsconfig.json', './test/tsconfig.json', './examples/tsconfig.json', './bench/tsconfig.json']);

// `npm run bench`: GitOps synthesis against the yaml floor (not part of the tests).
// It compiles bench/ and the modules of src/ it imports (type-checked: the
// root's noEmitOnError) and runs them in plain node, parent and children:
// under ts-node, the TypeScript compiler stayed resident in every measured
// process (~105 MB of the writer's peak RSS), which the package's users
// never pay. One loop, the one of bench/bench.ts, measures what they run.
const BENCH_OUT = '.ci/tmp/bench';
new JsonFile(project, 'bench/tsconfig.build.json', {
  obj: {
    extends: './tsconfig.json',
    compilerOptions: { noEmit: false, declaration: false, outDir: `../${BENCH_OUT}` },
    include: ['**/*.ts'],
  },
});
const bench = project.addTask('bench', {
  description: 'Benchmark synthesizing N tenants into the GitOps layout (args: N... [--variant configured])',
  exec: 'tsc -p bench/tsconfig.build.json',
});
bench.exec(`node ${BENCH_OUT}/bench/bench.js`, { receiveArgs: true });

// `npm run example`: synthesizes the main example into dist/examples/.
project.addTask('example', {
  description: 'Synthesize the quick-start example into dist/examples/quickstart',
  exec: 'ts-node --transpile-only --project examples/tsconfig.json -r tsconfig-paths/register examples/quickstart/main.ts',
});

// ---------------------------------------------------------------------------
// Packaging (issue 19): what `npm pack` ships and how it is imported.
//
// The AWS constructs live in the `aws` submodule (jsii), loaded on first use.
// After jsii, this rewrites lib/index.js (a lazy `aws` object that Node's ESM
// loader can see) and lib/index.d.ts (no `aws`: TypeScript users import
// `cdk8s-tenancy/aws`, so a cdk8s-only app never reads aws-cdk-lib's types).
project.compileTask.exec('node build-tools/lazy-submodules.js');

// aws-cdk-lib is needed only by the `aws` submodule: an optional peer, so npm
// does not install its 161 MB into a cdk8s-only app.
project.package.addField('peerDependenciesMeta', { 'aws-cdk-lib': { optional: true } });

// Entry points: the package and its AWS part, each with its own types.
// `.jsii` and package.json are read by the jsii runtimes and tools of
// dependent packages. `typesVersions` serves TypeScript's older `node`
// module resolution, which ignores `exports`.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './aws': { types: './lib/aws/index.d.ts', default: './lib/aws/index.js' },
  './.jsii': './.jsii',
  './package.json': './package.json',
});
project.package.addField('typesVersions', { '*': { aws: ['lib/aws/index.d.ts'] } });

// Ship exactly the package: an allowlist instead of the .npmignore denylist
// (which let .ci/tmp/ with its 7.7 MB of generated code and a nested tarball
// through). README, LICENSE, package.json and the bundled dependencies are
// always included by npm.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', '.jsii', 'API.md']);
// ... and build before packing, so a fresh clone cannot ship without lib/.
// (Tools that pack right after a build, jsii-pacmak below and the pack test,
// pass --ignore-scripts to skip a second compile.)
project.package.setScript('prepack', 'projen compile');

// The test command proves what jest cannot: that the public API is valid jsii
// (compiled first, so tests can load the package as users do) and that
// API.md is in step with it.
project.testTask.prependSpawn(project.compileTask);
const checkApi = project.addTask('check:api', {
  description: 'Fail if API.md is out of date',
  steps: [
    { exec: 'jsii-docgen -o .ci/tmp/API.md' },
    { exec: 'diff -u API.md .ci/tmp/API.md || (echo "API.md is out of date: run npx projen docgen" && exit 1)' },
  ],
});
project.testTask.spawn(checkApi);

// The cluster tier: the examples and the guards against real API servers
// (kube-apiserver, kube-controller-manager and etcd built from the
// Kubernetes Go modules in test/cluster/testenv), once per pinned
// Kubernetes minor: the newest release and the oldest the library
// supports. Needs the Go toolchain; builds are cached under
// ~/.cache/cdk8s-tenancy.
const testCluster = project.addTask('test:cluster', {
  description: 'Run the cluster tier against real API servers of every pinned Kubernetes minor (needs Go)',
  steps: ['1.37', '1.32'].map((minor) => ({
    exec: `CLUSTER_KUBE_MINOR=${minor} jest --config test/cluster/jest.config.js --runInBand --ci`,
    receiveArgs: true,
  })),
});
project.testTask.spawn(testCluster);

// The other jsii languages. Their runtimes (PyPI, Maven Central, NuGet, the
// Go proxy) are out of reach here, so this checks what can be checked
// offline: every README and doc example compiles and is translated
// (rosetta --strict), the Python, Java, .NET and Go sources are generated,
// Python byte-compiles and builds into a wheel, and every type, property
// and method of the assembly is present in each language
// (build-tools/check_packages.py).
const checkLanguages = project.addTask('check:languages', {
  description: 'Translate the examples and check the generated Python, Java, .NET and Go packages',
  steps: [
    { exec: 'jsii-rosetta extract --strict' },
    { exec: 'rm -rf .ci/tmp/pacmak && jsii-pacmak --code-only --pack-command "npm pack --ignore-scripts" --rosetta-tablet .jsii.tabl.json -t python -t java -t dotnet -t go -o .ci/tmp/pacmak' },
    { exec: 'python3 -m compileall -q .ci/tmp/pacmak/python/src' },
    { exec: 'python3 build-tools/check_packages.py .jsii .ci/tmp/pacmak' },
  ],
});
project.testTask.spawn(checkLanguages);

// Type-check the tests and the examples once, here, with tsc: jest only
// transpiles them (isolatedModules) and the examples run transpile-only.
// test/ imports every example app, so one program covers both; bench/ has
// its own.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check the tests, examples and benchmark (tsc --noEmit)',
  steps: [
    { exec: 'tsc --noEmit -p test/tsconfig.json' },
    { exec: 'tsc --noEmit -p bench/tsconfig.json' },
  ],
});
project.testTask.spawn(typecheck);

// The other languages, run for real (issue 19): the README's quick start in
// Python, Java and Go against the generated bindings and their runtimes from
// PyPI, Maven Central and the Go module proxy, compared byte for byte with
// the TypeScript one. Last step of `npm test`, after check:languages made
// the bindings it reuses.
const testLanguages = project.addTask('test:languages', {
  description: 'Run the README quick start in Python, Java and Go and compare with TypeScript (args: python java go)',
  exec: 'node test/languages/quickstart.js',
  receiveArgs: true,
});
project.testTask.spawn(testLanguages);

project.synth();
