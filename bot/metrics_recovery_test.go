package bot

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetrics_recoveryPasses(t *testing.T) {
	m := NewMetrics()
	m.ObserveRecoveryPass(RecoveryStats{Scheduled: 3}, nil)
	m.ObserveRecoveryPass(RecoveryStats{Scheduled: 2, Truncated: true}, nil)
	m.ObserveRecoveryPass(RecoveryStats{}, errors.New("listing installations: 502"))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`kustoguard_recovery_passes_total{result="complete"} 1`,
		`kustoguard_recovery_passes_total{result="truncated"} 1`,
		`kustoguard_recovery_passes_total{result="error"} 1`,
		`kustoguard_recovery_jobs_total 5`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var none *Metrics
	none.ObserveRecoveryPass(RecoveryStats{}, nil) // nil-safe like every method
}
