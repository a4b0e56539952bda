"""The local Ray a benchmark runs in: started as the test suite starts its own (2 CPUs, no dashboard)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine

import ray


def run_in_local_ray(work: Coroutine, namespace: str) -> None:
    """Run ``work`` to its end in a fresh local Ray, shut down afterwards whatever happened."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, namespace=namespace,
             configure_logging=False)
    try:
        asyncio.run(work)
    finally:
        ray.shutdown()
