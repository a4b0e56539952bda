"""Every reader of outside bytes under malformed input (tests/fuzz/targets.py): nothing escapes it, and what
it cannot read is counted. bench/fuzz.py runs the same targets with ten thousand examples each."""

from __future__ import annotations

import logging

import pytest

from tests.fuzz import targets
from tests.performance.test_benchmarks_run import bench

EXAMPLES = 250


@pytest.mark.parametrize("target", targets.TARGETS)
def test_malformed_input_is_counted_and_never_escapes_the_reader(target, caplog):
    caplog.set_level(logging.CRITICAL)       # thousands of warnings, each a counted drop
    report = targets.run(target, EXAMPLES)
    assert report.examples == EXAMPLES
    assert report.malformed > 0 and report.delivered > 0, report    # both paths were reached
    if target in targets.VENUE_TARGETS:
        assert report.not_json > 0 and report.malformed >= report.not_json, report


@pytest.mark.parametrize("target", targets.VENUE_TARGETS)
async def test_the_fuzzer_edits_messages_each_reader_understands(target):
    """Edits of frames the reader hands on reach past the envelope into the parsers."""
    assert len(await targets.understood(target)) >= 3


def test_the_fuzz_benchmark_reports_a_count_per_target():
    out = bench("bench/fuzz.py", "--examples", "30")
    for target in targets.TARGETS:
        assert f"{target} " in out and "FAILED" not in out, out
    assert f"{len(targets.TARGETS)} targets clean, 0 failed" in out
