"""GET /metrics: the whole server's Prometheus metrics, for a scraper holding METRICS_TOKEN."""
