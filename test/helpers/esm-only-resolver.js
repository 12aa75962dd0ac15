// Jest resolves modules for CommonJS (conditions `require`, `default`). The
// schema packages (kubernetes-models 5 and every @kubernetes-models package
// of its generation: Argo CD, Flux, Istio, Kyverno, Karpenter, and the
// libraries they bring along, down to is-cidr) export only for `import`: for requests made
// to or from those packages, resolve as Node does for ES modules. Jest then
// transforms the files to CommonJS (see transformIgnorePatterns in
// .projenrc.ts). Every other package resolves exactly as before.
const ESM_ONLY = /[\\/]node_modules[\\/](kubernetes-models|@kubernetes-models[\\/][^\\/]+|is-cidr|cidr-regex)([\\/]|$)/;
const ESM_ONLY_REQUEST = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;

module.exports = (request, options) => {
  if (ESM_ONLY_REQUEST.test(request) || ESM_ONLY.test(options.basedir)) {
    return options.defaultResolver(request, { ...options, conditions: ['import', 'default'] });
  }
  return options.defaultResolver(request, options);
};
