package queue

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// collectTimeout bounds the count query a scrape runs, so a slow database
// delays /metrics instead of hanging it.
const collectTimeout = 5 * time.Second

var jobsDesc = prometheus.NewDesc("fieldhub_jobs",
	"Background jobs by state; discarded jobs are dead letters waiting for a retry.",
	[]string{"state"}, nil)

// Collector exports the job counts of Stats as the gauge fieldhub_jobs{state},
// read from the database at each scrape, so every instance reports the same
// shared queue.
func (q *Queue) Collector() prometheus.Collector { return collector{q} }

type collector struct{ q *Queue }

func (c collector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

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
}
