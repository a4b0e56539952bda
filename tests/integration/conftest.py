"""Real runs of the farm, recorded, for the tests that read a run back (replays, backtests, sweeps, reports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration import launch


def _run(tmp_path_factory, *overrides: str) -> Path:
    run = tmp_path_factory.mktemp("live") / "run"
    code, _, err = launch.finish(launch.start(run, *overrides))
    assert code == 0, err
    return run


@pytest.fixture(scope="session")
def recorded_run(tmp_path_factory) -> Path:
    """``run.py duration=8s`` on the simulated Binance: its run directory (recordings/, summary.json)."""
    return _run(tmp_path_factory, "duration=8s")


@pytest.fixture(scope="session")
def deribit_run(tmp_path_factory) -> Path:
    """``run.py exchange=deribit duration=6s``: its inverse perpetuals' market makers, recorded."""
    return _run(tmp_path_factory, "exchange=deribit", "duration=6s")


@pytest.fixture(scope="session")
def grvt_run(tmp_path_factory) -> Path:
    """``run.py exchange=grvt duration=6s``: its market makers (signed orders, no amends, maker rebates)."""
    return _run(tmp_path_factory, "exchange=grvt", "duration=6s")
