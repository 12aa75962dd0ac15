// Makes the AWS submodule of the compiled entry point load on first use.
//
// jsii needs `export * as aws from './aws'` in src/index.ts, which TypeScript
// compiles to an eager `require`: every user would load aws-cdk-lib (about a
// second and tens of MB) even for pure-cdk8s work. This rewrites that one
// line of lib/index.js into a getter, as aws-cdk-lib does for its own
// submodules. It fails the build if the line is not found, so a change in the
// compiler's output cannot silently make the import eager again.
const fs = require('fs');
const path = require('path');

const LAZY = ['aws'];
const file = path.join(__dirname, '..', 'lib', 'index.js');
let js = fs.readFileSync(file, 'utf8');
for (const name of LAZY) {
  const eager = `exports.${name} = __importStar(require("./${name}"));`;
  if (!js.includes(eager)) {
    console.error(`lazy-submodules: '${eager}' not found in ${file}`);
    process.exit(1);
  }
  js = js.replace(eager,
    `Object.defineProperty(exports, "${name}", { enumerable: true, configurable: true, get: () => __importStar(require("./${name}")) });`);
}
fs.writeFileSync(file, js);
