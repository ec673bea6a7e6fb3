package bot

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the server's Prometheus collectors in a registry of its own
// (not the global default), so several servers can live in one process, as
// tests do. A nil *Metrics is valid and records nothing.
type Metrics struct {
	reg *prometheus.Registry

	deliveries     *prometheus.CounterVec
	queueDepth     prometheus.Gauge
	queueWait      prometheus.Histogram
	stageDuration  *prometheus.HistogramVec
	jobs           *prometheus.CounterVec
	ghRequests     *prometheus.CounterVec
	ghDuration     *prometheus.HistogramVec
	jobPanics      prometheus.Counter
	jobsSuperseded prometheus.Counter
	recoveryPasses *prometheus.CounterVec
	recoveryJobs   prometheus.Counter
}

// NewMetrics returns metrics registered in a fresh registry, with the Go and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kustoguard_webhook_deliveries_total",
			Help: "Webhook deliveries by event and result (accepted, ignored, duplicate, ping, unauthorized, bad_request, too_large, busy, queue_full, draining).",
		}, []string{"event", "result"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kustoguard_queue_depth",
			Help: "Jobs waiting in the queue (not running).",
		}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kustoguard_queue_wait_seconds",
			Help:    "Time from accepting a job to a worker starting it.",
			Buckets: []float64{.001, .01, .1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
		stageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kustoguard_stage_duration_seconds",
			Help:    "Duration of the review pipeline's stages (fetch, render, report).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"stage"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kustoguard_jobs_total",
			Help: "Finished jobs by result (ok, error, panic, timeout).",
		}, []string{"result"}),
		ghRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kustoguard_github_requests_total",
			Help: "GitHub API requests (one per attempt) by method, route and status (0 for a transport error).",
		}, []string{"method", "route", "status"}),
		ghDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kustoguard_github_request_duration_seconds",
			Help:    "Duration of GitHub API requests (one per attempt) by method and route.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		jobPanics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kustoguard_job_panics_total",
			Help: "Jobs that panicked (recovered, not retried).",
		}),
		jobsSuperseded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kustoguard_jobs_superseded_total",
			Help: "Queued jobs replaced by a newer job for the same pull request before they ran.",
		}),
		recoveryPasses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kustoguard_recovery_passes_total",
			Help: "Recovery passes by result (complete, truncated, error).",
		}, []string{"result"}),
		recoveryJobs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kustoguard_recovery_jobs_total",
			Help: "Reviews recovery scheduled: runs left unfinished or heads without a run.",
		}),
	}
	m.reg.MustRegister(
		m.deliveries, m.queueDepth, m.queueWait, m.stageDuration, m.jobs,
		m.ghRequests, m.ghDuration, m.jobPanics, m.jobsSuperseded, m.recoveryPasses, m.recoveryJobs,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// ObserveRecoveryPass records one recovery pass; it fits
// RecoveryConfig.OnPass.
func (m *Metrics) ObserveRecoveryPass(st RecoveryStats, err error) {
	if m == nil {
		return
	}
	result := "complete"
	switch {
	case err != nil:
		result = "error"
	case st.Truncated:
		result = "truncated"
	}
	m.recoveryPasses.WithLabelValues(result).Inc()
	m.recoveryJobs.Add(float64(st.Scheduled))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry the metrics live in, for callers adding their own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// ObserveStage records the duration of one pipeline stage; it fits
// PipelineConfig.ObserveStage.
func (m *Metrics) ObserveStage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.stageDuration.WithLabelValues(stage).Observe(d.Seconds())
}

// ObserveGitHubRequest records one GitHub API exchange; it fits
// ClientConfig.OnRequest. route should be a template ("/repos/{owner}/{repo}/pulls/{number}"),
// not a concrete path, to keep the label set small.
func (m *Metrics) ObserveGitHubRequest(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.ghRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.ghDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

func (m *Metrics) delivery(event, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(event, result).Inc()
}

func (m *Metrics) setQueueDepth(n int) {
	if m == nil {
		return
	}
	m.queueDepth.Set(float64(n))
}

func (m *Metrics) observeQueueWait(d time.Duration) {
	if m == nil {
		return
	}
	m.queueWait.Observe(d.Seconds())
}

func (m *Metrics) jobDone(result string) {
	if m == nil {
		return
	}
	m.jobs.WithLabelValues(result).Inc()
}

func (m *Metrics) jobPanicked() {
	if m == nil {
		return
	}
	m.jobPanics.Inc()
}

func (m *Metrics) jobSuperseded() {
	if m == nil {
		return
	}
	m.jobsSuperseded.Inc()
}
