"""bench/scale.py --quick: N strategies on one worker host, then over two, on namespace hosts; its figures
per node and the ratio line (no timing is asserted)."""

from __future__ import annotations

import re

import pytest

from tests.performance.test_benchmarks_run import bench

pytestmark = pytest.mark.timeout(420)
ROW = (r"N=2   {layout} +10\.231\.0\.{n} \(worker\d\) +strategies +{count} +[\d,]+ updates/s \( *[\d,]+ each\) +"
       r"wire->on_book p50 +\d+ us p99 +\d+ us +CPU +\d+% \( *\d+ us/update\) +lost (\d+)")


def test_scale_benchmark_reports_each_node_for_one_worker_and_for_two():
    out = bench("bench/scale.py", "--quick", timeout=360)
    assert "the hosts share its CPUs" in out
    # One worker: both strategies on the first; two: one on each. Nothing lost either way.
    lost = [re.search(ROW.format(layout=layout, n=n, count=count), out)
            for layout, n, count in (("one", 2, 2), ("two", 2, 1), ("two", 3, 1))]
    assert all(lost), out
    assert [int(m.group(1)) for m in lost] == [0, 0, 0], out
    assert re.search(r"N=2   one +10\.231\.0\.1 \(head\) +strategies +0 +CPU +\d+%", out), out
    for layout in ("one", "two"):     # the source rate, and the share of it the strategies read in the window
        assert re.search(rf"N=2   {layout} +source: market-binance published +[\d,]+ book updates/s; the strategies "
                         rf"read \d+\.\d% of N x that", out), out
    assert re.search(r"N=2   two/one: updates/s \d+\.\d\dx \(source \d+\.\d\dx\) +p50 \d+\.\d\dx +p99 \d+\.\d\dx +"
                     r"lost one=0 two=0", out), out
