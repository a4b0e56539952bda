"""One real run of the default farm, recorded, for the tests that read a run back (backtests, sweeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration import launch


@pytest.fixture(scope="session")
def recorded_run(tmp_path_factory) -> Path:
    """``run.py duration=8s`` on the simulated Binance: its run directory (recordings/, summary.json)."""
    run = tmp_path_factory.mktemp("live") / "run"
    code, _, err = launch.finish(launch.start(run, "duration=8s"))
    assert code == 0, err
    return run
