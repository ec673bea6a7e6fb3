package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/kustoguard/kustoguard/checks"
)

// Version is the tool version SARIF reports; the command sets it from its
// build information.
var Version = "dev"

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	infoURI      = "https://github.com/kustoguard/kustoguard"
	// fingerprintKey names our partial fingerprint; bump the suffix if
	// Fingerprint ever changes meaning.
	fingerprintKey = "kustoguard/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string            `json:"name"`
	InformationURI string            `json:"informationUri"`
	Version        string            `json:"version"`
	Rules          []sarifDescriptor `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifDescriptor struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           map[string]any  `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	BaselineState       string            `json:"baselineState"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// SARIF writes the review as SARIF 2.1.0 for GitHub code scanning: one run,
// one reportingDescriptor per rule (plus any rule a finding names that the
// catalog lacks), and a result per new or existing finding. Resolved
// findings are left out: they no longer exist at head.
func SARIF(w io.Writer, r *checks.Result, rules []checks.Rule) error {
	if r == nil {
		r = &checks.Result{}
	}
	descs, index := descriptors(r, rules)
	results := []sarifResult{}
	for _, f := range r.Findings {
		if f.State == checks.Resolved {
			continue
		}
		res := sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           index[f.Rule],
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{Text: f.Message},
			PartialFingerprints: map[string]string{fingerprintKey: Fingerprint(f)},
			BaselineState:       baselineState(f.State),
			Properties: map[string]any{
				"overlay":  f.Overlay,
				"object":   f.Object.String(),
				"approval": f.Approval,
			},
		}
		if f.File != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: f.File, URIBaseID: "%SRCROOT%"},
			}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
			}
			res.Locations = []sarifLocation{loc}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: "kustoguard", InformationURI: infoURI, Version: Version, Rules: descs,
			}},
			Results: results,
		}},
	}
	b, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding sarif report: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing sarif report: %w", err)
	}
	return nil
}

func descriptors(r *checks.Result, rules []checks.Rule) ([]sarifDescriptor, map[string]int) {
	descs := []sarifDescriptor{}
	index := map[string]int{}
	for _, rule := range rules {
		if _, dup := index[rule.ID()]; dup {
			continue
		}
		full := rule.Description()
		if rule.NeedsApproval() {
			full += " A new finding needs an approver's approval."
		}
		index[rule.ID()] = len(descs)
		descs = append(descs, sarifDescriptor{
			ID:                   rule.ID(),
			Name:                 rule.ID(),
			ShortDescription:     sarifText{Text: rule.Description()},
			FullDescription:      sarifText{Text: full},
			Help:                 sarifText{Text: rule.Remediation()},
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(rule.Severity())},
			Properties:           map[string]any{"approval": rule.NeedsApproval()},
		})
	}
	// A finding of a rule outside the catalog still needs a descriptor.
	var extra []string
	for _, f := range r.Findings {
		if _, ok := index[f.Rule]; !ok && f.State != checks.Resolved {
			index[f.Rule] = -1
			extra = append(extra, f.Rule)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		index[id] = len(descs)
		descs = append(descs, sarifDescriptor{
			ID: id, Name: id,
			ShortDescription:     sarifText{Text: id},
			FullDescription:      sarifText{Text: id},
			Help:                 sarifText{Text: "See `kustoguard rules`."},
			DefaultConfiguration: sarifRuleConfig{Level: "warning"},
		})
	}
	return descs, index
}

func sarifLevel(s checks.Severity) string {
	switch s {
	case checks.Error:
		return "error"
	case checks.Warning:
		return "warning"
	}
	return "note"
}

func baselineState(s checks.State) string {
	if s == checks.Existing {
		return "unchanged"
	}
	return "new"
}
