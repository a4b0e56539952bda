"""Test-wide setup: one marker per folder, so every test carries its category."""

from __future__ import annotations

from pathlib import Path

import pytest

CATEGORIES = {"unit", "config", "protocol", "process", "integration", "cluster", "security", "performance"}
TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(item.fspath).relative_to(TESTS_DIR).parts[0]
        if folder not in CATEGORIES:
            raise pytest.UsageError(f"{item.nodeid}: tests live in one of the category folders {sorted(CATEGORIES)}")
        item.add_marker(getattr(pytest.mark, folder))


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray for the whole session: 2 CPUs, no dashboard, shut down at the end."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             namespace="tradesys-tests", configure_logging=False)
    yield ray
    ray.shutdown()


def _simulator_of(venue: str, options: dict):
    if venue == "binance":
        from exchanges.binance.simulator import BinanceSimulator

        return BinanceSimulator(**options)
    if venue == "deribit":
        from tests.deribit_sim import simulator

        return simulator(**options)
    if venue == "grvt":
        from tests.grvt_sim import simulator

        return simulator(**options)
    raise pytest.UsageError(f"no simulator for venue {venue!r}")


@pytest.fixture
async def sim(request):
    """The venue simulator the test module's marker asks for, e.g.
    ``pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=3)``: started on loopback
    before the test and stopped after it. ``pause_market=True`` stops its synthetic flow at once (the book
    then moves only by the test's orders)."""
    marker = request.node.get_closest_marker("simulator")
    if marker is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses the sim fixture without a simulator marker")
    options = dict(marker.kwargs)
    pause = options.pop("pause_market", False)
    simulator = _simulator_of(*marker.args, options)
    await simulator.start()
    if pause:
        simulator.pause_market()
    yield simulator
    await simulator.stop()
