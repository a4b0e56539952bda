"""The benchmarks run and print their figures and ratios (no timing is asserted)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, timeout: float = 150) -> str:
    """Run a benchmark script; its stdout, or a failure showing where it stood (its stderr carries progress)."""
    try:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"{' '.join(args)} still running after {timeout:.0f}s\n{_tail(expired.stdout)}\n"
                    f"{_tail(expired.stderr)}")
    if done.returncode:
        pytest.fail(f"{' '.join(args)} exited {done.returncode}\n{_tail(done.stdout)}\n{_tail(done.stderr)}")
    return done.stdout


def _tail(text: str | bytes | None, lines: int = 40) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])


def test_bus_benchmark_prints_throughput_and_round_trip_beside_raw_pyzmq():
    out = bench("bench/bus.py", "--quick")
    assert re.search(r"raw pyzmq \(send/recv loops\) +: +[\d,]+ msg/s", out)
    assert re.search(r"raw pyzmq \(send_multipart, reference\): +[\d,]+ msg/s +ratio \d+\.\d\d of raw", out)
    assert re.search(r"tradesys bus +: +[\d,]+ msg/s +ratio \d+\.\d\d of raw", out)
    assert re.search(r"raw pyzmq \(send/recv loops\) +: p50 +[\d.]+ us +p99 +[\d.]+ us", out)
    for api in (r"request\(\) \(awaited\)", r"submit\(\) \(callback\)"):
        assert re.search(rf"tradesys {api} +: p50 +[\d.]+ us +p99 +[\d.]+ us +ratio p50 [\d.]+x +p99 [\d.]+x", out)
    # CURVE beside the plain bus, on the same messages in the same run.
    assert re.search(r"tradesys bus, CURVE +: +[\d,]+ msg/s +ratio \d+\.\d\d of the plain tradesys bus", out)
    assert re.search(r"tradesys request\(\), CURVE +: p50 +[\d.]+ us +p99 +[\d.]+ us +ratio p50 [\d.]+x +p99 [\d.]+x "
                     r"of the plain request\(\)", out)


def test_json_benchmark_decodes_the_captured_frames_with_every_library(tmp_path):
    fixtures = ROOT.parent / "shared" / "fixtures" / "binance"
    if not fixtures.exists():  # the CI clone has shared/ beside it; a bare clone makes its own frame
        fixtures = tmp_path
        frame = ('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",'
                 '"U":1,"u":2,"pu":0,"b":[["65000.0","1.5"]],"a":[["65000.1","0"]]}}')
        (tmp_path / "x_capture.jsonl").write_text(
            f'{{"recv_ts":1.0,"kind":"ws","payload":{frame}}}\n')
    out = bench("bench/json_decode.py", "--fixtures", str(fixtures), "--rounds", "2")
    for name in ("json (stdlib)", "orjson", "msgspec untyped", "msgspec typed Struct"):
        assert len(re.findall(rf"{re.escape(name)} +[\d.]+ us/frame +[\d.]+x json", out)) == 2


def test_simulator_benchmark_prints_engine_and_fan_out_figures():
    out = bench("bench/sim.py", "--quick")
    assert re.search(r"naive list-based book : +[\d,]+ ops/s", out)
    assert re.search(r"tradesys.sim engine +: +[\d,]+ ops/s +ratio [\d.]+x the naive book", out)
    assert len(re.findall(r"subscriber\(s\): +[\d,]+ depth msgs/s each", out)) == 2


def test_binance_connector_benchmark_prints_frames_and_order_overhead_beside_its_baselines():
    out = bench("bench/binance_md.py", "--quick")
    assert re.search(r"baseline json.loads \+ Decimal dict book: +[\d,]+ frames/s +[\d.]+ us/frame", out)
    assert re.search(r"tradesys decode -> parse -> book +: +[\d,]+ frames/s +[\d.]+ us/frame +ratio [\d.]+x", out)
    assert re.search(r"HMAC-SHA256 of the same bytes alone +: +[\d.]+ us/order", out)
    assert re.search(r"tradesys filters \+ params \+ signature +: +[\d.]+ us/order +ratio [\d.]+x the HMAC", out)


@pytest.mark.timeout(600)   # six farms in a Ray of its own, beside the suite's: minutes on a loaded machine
def test_pipeline_benchmark_prints_rates_and_latencies_beside_a_bare_forwarder():
    out = bench("bench/pipeline.py", "--quick", timeout=540)
    sections = re.split(r"^pipeline (\w+):", out, flags=re.M)
    assert sections[1::2] == ["binance", "deribit"]
    for n in (2,):
        assert re.search(rf"N={n} +bare pyzmq forwarder +: +[\d,]+ updates/s +wire->reader +p50 +\d+ us +p99 +\d+ us",
                         out)
        assert re.search(rf"N={n} +tradesys strategies +: +[\d,]+ updates/s +wire->on_book +p50 +\d+ us +p99 +\d+ us"
                         rf" +ratio rate \d+\.\d\d +p50 \d+\.\d\dx +p99 \d+\.\d\dx", out)


def test_deribit_connector_benchmark_prints_frames_and_orders_beside_its_baselines():
    out = bench("bench/deribit_md.py", "--quick")
    assert re.search(r"baseline json\.loads \+ Decimal dict book: +[\d,]+ frames/s", out)
    assert re.search(r"tradesys decode -> parse -> book +: +[\d,]+ frames/s .* ratio [\d.]+x the baseline", out)
    assert re.search(r"tradesys grid checks \+ params \+ encode : +[\d.]+ us/order +ratio [\d.]+x json\.dumps", out)


def test_grvt_connector_benchmark_prints_frames_and_signed_orders_beside_its_baselines():
    out = bench("bench/grvt_md.py", "--quick")
    assert re.search(r"baseline json\.loads \+ Decimal dict book: +[\d,]+ frames/s", out)
    assert re.search(r"tradesys decode -> parse -> book +: +[\d,]+ frames/s .* ratio [\d.]+x the baseline", out)
    assert re.search(r"bare eth-account sign \(as the SDK\) +: +[\d.]+ us/order", out)
    assert re.search(r"tradesys checks \+ id \+ sign \+ JSON +: +[\d.]+ us/order +ratio [\d.]+x the bare sign", out)


def test_order_table_benchmark_prints_the_live_index_beside_the_whole_table_walk():
    out = bench("bench/order_table.py", "--quick")
    for finals in ("1,000", "20,000"):
        assert re.search(rf"{finals} final +whole-table walk \(baseline\): +[\d.]+ us/lookup", out)
        assert re.search(rf"{finals} final +OrderTable\.resting +: +[\d.]+ us/lookup +ratio [\d.]+x faster", out)


def test_budget_benchmark_prints_the_posted_observation_beside_the_awaited_one_and_the_floor():
    out = bench("bench/budget.py", "--quick")
    for way in (r"reserve alone \(the floor\)", r"reserve \+ observe awaited \(before\)",
                r"reserve \+ observe posted \(RayBudget\)"):
        assert re.search(rf"{way} +: p50 +\d+ us +p99 +\d+ us +ratio p50 \d+\.\d\d of before", out)


@pytest.mark.timeout(600)   # a three-venue farm in a Ray of its own for 40 s, with six faults
def test_soak_smoke_prints_each_actors_figures_before_and_after_its_faults():
    out = bench("bench/soak.py", "--quick", timeout=540)     # exit 1 (a failure here): a drift, a loss
    first, last = out.index("after the warm-up"), out.index("at the end")
    for table in (out[first:last], out[last:]):
        for actor in ("sim-binance", "market-deribit", "engine-grvt", "positions-binance", "recorder",
                      "mm_btc_1", "mm_btc_perp_2", "mm_btc_grvt_1"):
            assert re.search(rf"^  {actor} +\d+ +\d+ ", table, re.M), (actor, table)
    injected = re.findall(r"fault \d+/(\d+): (.+) on (\w+): injected", out)
    assert len(injected) == int(injected[0][0]) >= 5, out
    assert {kind for _, kind, _ in injected} >= {"socket drops", "sequence gaps", "strategy stalled 2 s",
                                                 "SIGKILL market server"}
    assert re.search(r"soak: worst RSS growth [+-]\d+\.\d % \(aim under 5 %\); ledger drift at the stop: none; "
                     r"restarts \d+; lost none; failures none", out), out
