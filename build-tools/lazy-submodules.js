// Makes the AWS part of the package optional, after `jsii` has compiled it.
//
// jsii needs `export * as aws from './aws'` in src/index.ts (that is what
// makes `aws` a submodule in Python, Java, .NET and Go). Compiled as is, it
// would make every user pay for aws-cdk-lib:
//
// - lib/index.js would `require("./aws")` eagerly, loading aws-cdk-lib (about
//   a second and tens of MB) even for pure-cdk8s work, and failing outright
//   when the optional peer aws-cdk-lib is not installed;
// - lib/index.d.ts would make `tsc` read all of aws-cdk-lib's declarations
//   (2,592 files) for an app that never uses them, or fail when it is absent.
//
// So this rewrites the two compiled files:
//
// - lib/index.js: `exports.aws = ...` becomes an object with one getter per
//   export of lib/aws, each requiring ./aws on first use. It stays a plain
//   `exports.aws =` assignment so that Node's ESM loader (cjs-module-lexer)
//   sees the named export: `import { aws } from 'cdk8s-tenancy'` works in an
//   .mjs file, and still loads nothing until a construct is used. (A getter
//   on `exports` itself, as aws-cdk-lib uses, is invisible to that lexer.)
//   The jsii runtime walks `aws.HardTenantCluster` through the same getters.
// - lib/index.d.ts: the `aws` re-export is dropped. TypeScript users import
//   the AWS constructs from the package's own entry point `cdk8s-tenancy/aws`
//   (package.json `exports` and `typesVersions`, see .projenrc.ts), whose
//   types are lib/aws/index.d.ts.
//
// It fails the build if a line it rewrites is not found, so a change in the
// compiler's output cannot silently make the import eager again.
const fs = require('fs');
const path = require('path');

const LIB = path.join(__dirname, '..', 'lib');
const LAZY = ['aws'];

function rewrite(file, from, to) {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from)) {
    console.error(`lazy-submodules: '${from}' not found in ${file}`);
    process.exit(1);
  }
  fs.writeFileSync(file, text.replace(from, to));
}

for (const name of LAZY) {
  // The names a user can reach through `aws.`: what lib/aws exports (loading
  // it here needs aws-cdk-lib, a dev dependency of this project).
  const names = Object.keys(require(path.join(LIB, name))).filter((k) => k !== '__esModule').sort();
  if (names.length === 0) {
    console.error(`lazy-submodules: lib/${name} exports nothing`);
    process.exit(1);
  }
  rewrite(path.join(LIB, 'index.js'),
    `exports.${name} = __importStar(require("./${name}"));`,
    `exports.${name} = (function () {\n`
    + '    var ns = {};\n'
    + `    ${JSON.stringify(names)}.forEach(function (k) {\n`
    + `        Object.defineProperty(ns, k, { enumerable: true, get: function () { return require("./${name}")[k]; } });\n`
    + '    });\n'
    + '    return ns;\n'
    + '})();');
  rewrite(path.join(LIB, 'index.d.ts'), `export * as ${name} from './${name}';\n`, '');
}
