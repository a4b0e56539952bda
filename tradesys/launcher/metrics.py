"""Prometheus metrics of a running deployment, read from the status board at scrape time.

    tradesys_actor_up{actor}                        1 while running (or degraded), else 0
    tradesys_actor_heartbeat_age_seconds{actor}     since the last heartbeat (NaN before the first)
    tradesys_actor_counter{actor,counter}           every counter an actor reports in its heartbeat
    tradesys_wire_to_strategy_seconds{strategy}     histogram: venue receive -> strategy callback
    tradesys_order_round_trip_seconds{strategy}     histogram: strategy send -> engine reply (venue ack)

Served by prometheus-client's HTTP server in its own thread, on loopback
unless ``status.metrics_host`` says otherwise. Nothing is computed per
heartbeat: a scrape reads the board.
"""

from __future__ import annotations

import math
import time

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

from tradesys.launcher.status import StatusBoard

_UP_STATES = {"running", "degraded"}
_HISTOGRAMS = {"wire_to_strategy": "venue receive to strategy callback", "order_round_trip":
               "strategy send to the engine's reply after the venue's acknowledgement"}


class _BoardCollector:
    def __init__(self, board: StatusBoard):
        self.board = board

    def collect(self):
        up = GaugeMetricFamily("tradesys_actor_up", "1 while the actor runs, else 0", labels=["actor"])
        age = GaugeMetricFamily("tradesys_actor_heartbeat_age_seconds", "seconds since the last heartbeat",
                                labels=["actor"])
        counters = GaugeMetricFamily("tradesys_actor_counter", "counters from the actor's heartbeats",
                                     labels=["actor", "counter"])
        now = time.monotonic()
        for row in list(self.board.rows.values()):  # scraped from another thread: iterate a copy
            up.add_metric([row.name], 1.0 if self.board.effective_state(row, now) in _UP_STATES else 0.0)
            age.add_metric([row.name], now - row.last_heartbeat if row.last_heartbeat else math.nan)
            for name, value in dict(row.counters).items():
                counters.add_metric([row.name, name], float(value))
        yield up
        yield age
        yield counters
        for metric, help_text in _HISTOGRAMS.items():
            family = HistogramMetricFamily(f"tradesys_{metric}_seconds", help_text, labels=["strategy"])
            for actor, histograms in list(self.board.latency.items()):
                data = histograms.get(metric)
                if data:
                    family.add_metric([actor], [(le, float(n)) for le, n in data["buckets"]], data["sum_s"])
            yield family


class MetricsServer:
    """Serves the board's metrics over HTTP until ``stop``."""

    def __init__(self, board: StatusBoard):
        self.registry = CollectorRegistry()
        self.registry.register(_BoardCollector(board))
        self._server = None
        self._thread = None
        self.url = ""

    def start(self, host: str, port: int) -> str:
        """Listen on host:port (0: an OS-chosen port); return the URL of /metrics."""
        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        self.url = f"http://{host}:{self._server.server_port}/metrics"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
