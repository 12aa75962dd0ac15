// Jest resolves modules for CommonJS (conditions `require`, `default`). The
// Kyverno, Karpenter, Flux 4 and Istio schema packages, and the @kubernetes-models
// libraries they bring along, export only for `import`: for requests made
// to or from those packages, resolve as Node does for ES modules. Jest then
// transforms the files to CommonJS (see transformIgnorePatterns in
// .projenrc.ts). Every other package resolves exactly as before.
const ESM_ONLY = /[\\/]node_modules[\\/]@kubernetes-models[\\/](kyverno|karpenter|flux-cd-4|istio)([\\/]|$)/;
const ESM_ONLY_REQUEST = /^@kubernetes-models\/(kyverno|karpenter|flux-cd-4|istio)(\/|$)/;

module.exports = (request, options) => {
  if (ESM_ONLY_REQUEST.test(request) || ESM_ONLY.test(options.basedir)) {
    return options.defaultResolver(request, { ...options, conditions: ['import', 'default'] });
  }
  return options.defaultResolver(request, options);
};
