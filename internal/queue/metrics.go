package queue

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"
)

// collectTimeout bounds the count query a scrape runs, so a slow database
// delays /metrics instead of hanging it.
const collectTimeout = 5 * time.Second

var (
	jobsDesc = prometheus.NewDesc("fieldhub_jobs",
		"Background jobs by state; discarded and cancelled jobs are the dead letters (see fieldhub_dead_jobs).",
		[]string{"state"}, nil)
	deadDesc = prometheus.NewDesc("fieldhub_dead_jobs",
		"Dead letters waiting for someone to fix the cause and retry them: jobs that used up their attempts (discarded) or that an outside system refused for good (cancelled).",
		nil, nil)
)

// Collector exports the job counts of Stats as the gauge fieldhub_jobs{state}
// and their dead letters as fieldhub_dead_jobs (the one number to alert on),
// read from the database at each scrape, so every instance reports the same
// shared queue.
func (q *Queue) Collector() prometheus.Collector { return collector{q} }

type collector struct{ q *Queue }

func (c collector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc; ch <- deadDesc }

// Collect leaves the gauge out of a scrape when the database does not answer,
// rather than failing the whole scrape: the process metrics still matter then.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	stats, err := c.q.Stats(ctx)
	if err != nil {
		c.q.cfg.Logger.Warn("job queue: counting jobs for metrics failed", "error", err)
		return
	}
	for state, n := range stats {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), string(state))
	}
	dead := stats[rivertype.JobStateDiscarded] + stats[rivertype.JobStateCancelled]
	ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(dead))
}
