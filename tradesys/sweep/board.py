"""Where a sweep's jobs say how far they are: a small Ray actor the launcher reads once a second."""

from __future__ import annotations

import time

import ray


@ray.remote(num_cpus=0)
class SweepBoard:
    def __init__(self):
        self.jobs: dict[int, dict] = {}

    def started(self, index: int) -> None:
        self.jobs[index] = {"share": 0.0, "fills": 0, "started": time.time()}

    def report(self, index: int, share: float, fills: int) -> None:
        job = self.jobs.setdefault(index, {"started": time.time()})
        job.update(share=share, fills=fills)

    def read(self) -> dict[int, dict]:
        return self.jobs
