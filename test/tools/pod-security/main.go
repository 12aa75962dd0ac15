// Command pod-security evaluates pods against the Pod Security Standards with
// the Kubernetes API server's own implementation (k8s.io/pod-security-admission),
// so the tests check injected pod shapes against the real rules, not a model.
//
// Input (stdin): a JSON list of {"level": "restricted", "version": "v1.32", "pod": {...}}.
// Output (stdout): a JSON list of {"allowed": bool, "forbidden": ["reason: detail", ...]}.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type request struct {
	Level   string     `json:"level"`
	Version string     `json:"version"`
	Pod     corev1.Pod `json:"pod"`
}

type result struct {
	Allowed   bool     `json:"allowed"`
	Forbidden []string `json:"forbidden"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	var reqs []request
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reqs); err != nil {
		return fmt.Errorf("reading requests: %w", err)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return err
	}
	out := make([]result, 0, len(reqs))
	for i, r := range reqs {
		level, err := api.ParseLevel(r.Level)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		version, err := api.ParseVersion(r.Version)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		agg := policy.AggregateCheckResults(evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: version}, &r.Pod.ObjectMeta, &r.Pod.Spec))
		res := result{Allowed: agg.Allowed, Forbidden: []string{}}
		for j, reason := range agg.ForbiddenReasons {
			res.Forbidden = append(res.Forbidden, reason+": "+agg.ForbiddenDetails[j])
		}
		out = append(out, res)
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
