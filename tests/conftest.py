"""Test-wide setup: one marker per folder, so every test carries its category."""

from __future__ import annotations

from pathlib import Path

import pytest

CATEGORIES = {"unit", "config", "protocol", "process", "integration", "security", "performance"}
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
