"""Prometheus metrics: decisions by stage and code, decision latency, reloads, breaches,
connection status. One registry per runtime, exposed at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ordergate.runtime.lifecycle import STATES


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._decided: dict[tuple[str, str, str], Counter] = {}
        self.decisions = Counter(
            "ordergate_decisions",
            "Orders decided, by outcome, stage and code.",
            ["outcome", "stage", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ordergate_decision_latency_seconds",
            "Time to evaluate the check chain for one order.",
            buckets=(5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3),
            registry=self.registry,
        )
        self.reloads = Counter(
            "ordergate_reloads", "Policy reloads, by result.", ["result"], registry=self.registry
        )
        self.breaches = Counter(
            "ordergate_breaches",
            "Limit breaches, by code and action.",
            ["code", "action"],
            registry=self.registry,
        )
        self.fills = Counter("ordergate_fills", "Fills booked.", registry=self.registry)
        self.refused_prices = Counter(
            "ordergate_refused_prices",
            "Prices refused at the boundary (non-finite, not positive, absurd, bid above ask), by source.",
            ["source"],
            registry=self.registry,
        )
        for source in ("api", "webhook", "feed", "broker"):  # shown at 0 before the first refusal
            self.refused_prices.labels(source)
        self.sse_subscribers = Gauge(
            "ordergate_sse_subscribers", "Clients connected to /v1/events.", registry=self.registry
        )
        self.sse_dropped = Counter(
            "ordergate_sse_dropped",
            "Event-stream clients disconnected for falling behind (they stopped reading).",
            registry=self.registry,
        )
        self.http_refused = Counter(
            "ordergate_http_refused",
            "HTTP connections or requests refused to protect the API, by reason.",
            ["reason"],
            registry=self.registry,
        )
        for reason in ("connection_cap", "header_timeout", "subscriber_cap"):
            self.http_refused.labels(reason)
        self.connection = Gauge(
            "ordergate_connection_status",
            "1 for the connection's current status.",
            ["connection", "status"],
            registry=self.registry,
        )

    def decided(self, outcome: str, stage: str, code: str, seconds: float) -> None:
        """One decision, counted by outcome, stage and code, and its latency observed.

        Each order pays for this, so the counter of a label set is looked up once and kept
        (``labels`` takes a lock and checks its arguments on every call)."""
        key = (outcome, stage, code)
        counter = self._decided.get(key)
        if counter is None:
            counter = self._decided[key] = self.decisions.labels(outcome, stage, code)
        counter.inc()
        self.latency.observe(seconds)

    def connection_status(self, name: str, status: str) -> None:
        for state in STATES:
            self.connection.labels(name, state).set(1 if state == status else 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
