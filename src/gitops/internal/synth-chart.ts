import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { apiObjectsJson } from './api-object-json';

/**
 * Synthesizes one chart in time proportional to the chart, not to the app.
 *
 * `Chart.toJson()` (and so `App.synth()`, which calls it per chart) first
 * resolves the dependencies and runs the validations of the whole app, so
 * synthesizing N charts costs O(N^2). This does for one chart what cdk8s
 * does for the app: run the validations of the chart's constructs, turn
 * construct dependencies inside the chart into ApiObject dependencies, and
 * return the chart's ApiObjects in dependency order with their Lazy values
 * resolved. Dependencies on other charts do not order objects across
 * files: in GitOps that is the applier's job (sync waves, dependsOn).
 *
 * Each object's JSON is its `toJson()`, made by the fast path of
 * api-object-json.ts where that is proven the same; `viaToJson` calls
 * toJson() itself for every object (the benchmark's floors do, so that
 * their bytes check the fast path too).
 */
export function synthChart(chart: Chart, options: { readonly viaToJson?: boolean } = {}): any[] {
  const constructs = chart.node.findAll();
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
  const inChart = (c: any) => c instanceof ApiObject && Chart.of(c) === chart;
  for (const source of constructs) {
    for (const target of source.node.dependencies) {
      if (Chart.of(target) !== chart) continue;
      const targets = target.node.findAll().filter(inChart);
      const sources = source.node.findAll().filter(inChart);
      for (const t of targets) {
        for (const s of sources) {
          if (s !== t && !s.node.dependencies.includes(t)) s.node.addDependency(t);
        }
      }
    }
  }
  const objects = new DependencyGraph(chart.node).topology().filter(inChart) as ApiObject[];
  return options.viaToJson ? objects.map((o) => o.toJson()) : apiObjectsJson(chart, objects);
}
