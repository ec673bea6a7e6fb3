package bot

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape returns the metrics in the Prometheus text format.
func scrapeMetrics(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("GET /metrics: %d", w.Code)
	}
	return w.Body.String()
}

// metricValue returns the value of one series, named as in the text format
// (`name{label="v"}`), or 0 when absent.
func metricValue(t *testing.T, m *Metrics, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(scrapeMetrics(t, m), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("parsing %q: %v", line, err)
			}
			return f
		}
	}
	return 0
}

func TestMetrics_observers(t *testing.T) {
	m := NewMetrics()
	m.ObserveStage("render", 1500*time.Millisecond)
	m.ObserveGitHubRequest("GET", "/repos/{owner}/{repo}/pulls/{number}", 200, 40*time.Millisecond)
	m.ObserveGitHubRequest("GET", "/repos/{owner}/{repo}/pulls/{number}", 0, time.Second)
	tests := map[string]float64{
		`kustoguard_stage_duration_seconds_count{stage="render"}`:                                                     1,
		`kustoguard_stage_duration_seconds_sum{stage="render"}`:                                                       1.5,
		`kustoguard_github_requests_total{method="GET",route="/repos/{owner}/{repo}/pulls/{number}",status="200"}`:    1,
		`kustoguard_github_requests_total{method="GET",route="/repos/{owner}/{repo}/pulls/{number}",status="0"}`:      1,
		`kustoguard_github_request_duration_seconds_count{method="GET",route="/repos/{owner}/{repo}/pulls/{number}"}`: 2,
	}
	for series, want := range tests {
		if got := metricValue(t, m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if text := scrapeMetrics(t, m); !strings.Contains(text, "go_goroutines") || !strings.Contains(text, "process_") {
		t.Error("Go and process collectors missing")
	}
}

func TestMetrics_nilIsSafe(t *testing.T) {
	var m *Metrics
	m.ObserveStage("fetch", time.Second)
	m.ObserveGitHubRequest("GET", "/", 200, time.Second)
	m.delivery("ping", "ping")
	m.setQueueDepth(3)
	m.jobDone("ok")
}
