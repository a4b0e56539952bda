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


@pytest.mark.timeout(330)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_binance_connector_benchmark_prints_both_frame_cases_beside_cryptofeed_and_the_order_overhead():
    out = bench("bench/binance_md.py", "--quick", timeout=300)    # the first run makes cryptofeed's virtualenv
    sections = re.split(r"^Binance depth frames, (\w+):", out, flags=re.M)
    assert sections[1::2] == ["realistic", "friendly"], out
    for section in sections[2::2]:
        assert re.search(r"baseline cryptofeed BinanceFutures \(its book, Decimal, no-op cb\) *: +[\d,]+ frames/s +"
                         r"[\d.]+ us/frame", section), section
        assert re.search(r"baseline json.loads \+ Decimal dict book *: +[\d,]+ frames/s +[\d.]+ us/frame", section)
        assert re.search(r"tradesys subscriber path \+ publish to another process *: +[\d,]+ frames/s +[\d.]+ us/frame"
                         r" +ratio [\d.]+x cryptofeed \(aim 1.5x\), [\d.]+x json\+Decimal", section), section
        stage = r"-?[\d.]+"
        delivered = re.search(rf"stages, us/frame: decode {stage} \| levels to integers {stage} \| book {stage} \| "
                              rf"the rest of the subscriber's handling {stage} \| BookDelta bytes {stage} \| "
                              rf"publish {stage}; "
                              rf"delivered ([\d,]+) of ([\d,]+) published", section)
        assert delivered and delivered.group(1) == delivered.group(2), section     # nothing lost on the way
    assert re.search(r"HMAC-SHA256 of the same bytes alone +: +[\d.]+ us/order", out)
    assert re.search(r"tradesys filters \+ params \+ signature +: +[\d.]+ us/order +ratio [\d.]+x the HMAC", out)


@pytest.mark.timeout(600)   # six farms in a Ray of its own, beside the suite's: minutes on a loaded machine
def test_pipeline_benchmark_prints_rates_and_latencies_beside_a_bare_forwarder():
    out = bench("bench/pipeline.py", "--quick", timeout=540)
    sections = re.split(r"^pipeline (\w+):", out, flags=re.M)
    assert sections[1::2] == ["binance"]          # the smoke run: Binance alone (the full run: Deribit too)
    for n in (2,):
        assert re.search(rf"N={n} +bare pyzmq forwarder +: +[\d,]+ updates/s +wire->reader +p50 +\d+ us +p99 +\d+ us",
                         out)
        assert re.search(rf"N={n} +tradesys strategies +: +[\d,]+ updates/s +wire->on_book +p50 +\d+ us +p99 +\d+ us"
                         rf" +ratio rate \d+\.\d\d +p50 \d+\.\d\dx +p99 \d+\.\d\dx", out)
    # Each actor's memory at steady state, per venue: the services by name, the strategies together.
    memory = re.findall(r"^N=2 +RSS MB at steady state: (.*) strategies (\d+)-(\d+) each, (\d+) in all; every actor "
                        r"(\d+)$", out, flags=re.M)
    assert len(memory) == 1, out
    for services, low, high, strategies, total in memory:
        assert re.search(r"market-\w+ \d+ .*sim-\w+ \d+", services) and 0 < int(low) <= int(high)
        assert int(strategies) >= 2 * int(low) and int(total) > int(strategies)


@pytest.mark.timeout(330)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_replay_benchmark_prints_latency_and_loss_beside_the_bare_pipeline_on_the_same_frames():
    out = bench("bench/replay_pipeline.py", "--quick", timeout=300)
    assert re.search(r"^replay 1,000 frames/s for 1.5 s \(1,500 frames after a 1,000-level snapshot", out, re.M), out
    bare = re.search(r"^ +1,000/s N=1 +bare pipeline : wire->reader +p50 +(\d+) us +p99 +(\d+) us +lost ([\d,]+) of "
                     r"1,500 \(worst reader [\d,]+\) +replay late by \d+ ms at worst$", out, re.M)
    ours = re.search(r"^ +1,000/s N=1 +tradesys +: wire->on_book p50 +(\d+) us +p99 +(\d+) us +lost ([\d,]+) of "
                     r"1,500 \(worst strategy [\d,]+\) +replay late by \d+ ms at worst +ratio p50 \d+\.\d\dx +p99 "
                     r"\d+\.\d\dx$", out, re.M)
    assert bare and ours, out
    assert re.search(r"^ +1,000/s N=1 +CPU a frame +: bare venue \d+ us, bridge \d+ us, a reader \d+ us \| ours venue "
                     r"\d+ us, market server \d+ us, a strategy \d+ us$", out, re.M), out
    for found in (bare, ours):
        assert 0 < int(found[1]) <= int(found[2])       # p50 <= p99, both measured
        assert found[3] == "0"      # 1,000 a second to one reader is far below the CPU's limit: nothing is lost


@pytest.mark.timeout(430)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_recorder_benchmark_measures_the_bus_and_the_recorders_backlog_in_two_farms():
    out = bench("bench/recorder_load.py", "--quick", timeout=400)
    rows = re.findall(r"^  (default farm \(3 strategies\)|\d+ strategies, simulator x\d+) +: bus +([\d,]+) msg/s +"
                      r"recorder +([\d,]+) msg/s", out, flags=re.M)
    assert [label for label, _, _ in rows] == ["default farm (3 strategies)", "6 strategies, simulator x4"], out
    assert all(int(bus.replace(",", "")) > 0 and int(recorded.replace(",", "")) > 0 for _, bus, recorded in rows)
    assert re.search(r"[\d.]+x the default farm's rate \(aim 3x\)", out), out
    backlogs = re.findall(r"backlog first -?[\d,]+ max -?[\d,]+ last -?[\d,]+ \((not growing|growing)\); missed "
                          r"[\d,]+; recorder RSS \d+ -> \d+ MB", out)
    assert len(backlogs) == 2, out


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


def test_strategy_side_benchmark_prints_each_stage_for_the_full_and_the_top_view():
    out = bench("bench/strategy_path.py", "--quick")
    assert re.search(r"the touch changed on [\d,]+ of them", out), out
    for label in (r"full view \(every delta\)", r"top view \(the top of book\)"):
        assert re.search(rf"{label} +: decode +[\d.]+ us \| book +-?[\d.]+ us \| callback +-?[\d.]+ us \| +[\d.]+ us "
                         rf"a message, +[\d.]+ us a depth frame", out), out
    assert re.search(r"the top view costs [\d.]+x the full view per depth frame", out), out


@pytest.mark.timeout(330)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_order_round_trip_benchmark_prints_the_farms_percentiles_beside_a_bare_request():
    out = bench("bench/order_rtt.py", "--quick", timeout=300)     # a farm in a local Ray: the probe strategy trades
    bare = re.search(r"baseline bare aiohttp request to the simulator +: p50 +([\d,]+) us +p99 +([\d,]+) us +"
                     r"\((\d+) requests\)", out)
    ours = re.search(r"tradesys strategy -> engine -> simulator -> strategy +: p50 +([\d,]+) us +p99 +([\d,]+) us +"
                     r"\((\d+) requests\) +ratio p50 [\d.]+x \(aim 1.5x\), p99 [\d.]+x \(aim 2.0x\)", out)
    hop = re.search(r"baseline bare ZeroMQ DEALER <-> ROUTER round trip +: p50 +([\d,]+) us +p99 +([\d,]+) us +"
                    r"\((\d+) round trips, paced alike\)", out)
    floor = re.search(r"floor of the design's path \(bare request \+ bare hop\) +: p50 +([\d,]+) us += ([\d.]+)x "
                      r"the bare request; ours is ([\d.]+)x the floor", out)
    assert bare and ours and hop and floor, out
    assert int(bare.group(3)) == 40 and int(ours.group(3)) >= 40 and int(hop.group(3)) == 40   # every one counted
    assert all(int(m.group(1).replace(",", "")) > 0 for m in (bare, ours, hop))
    assert float(floor.group(2)) > 1.0      # the hop adds to the bare request: the floor is above it


def test_order_table_benchmark_prints_the_live_index_beside_the_whole_table_walk():
    out = bench("bench/order_table.py", "--quick")
    for finals in ("1,000", "20,000"):
        assert re.search(rf"{finals} final +whole-table walk \(baseline\): +[\d.]+ us/lookup", out)
        assert re.search(rf"{finals} final +OrderTable\.resting +: +[\d.]+ us/lookup +ratio [\d.]+x faster", out)


def test_budget_benchmark_prints_leased_blocks_beside_a_call_per_request_and_the_floor():
    out = bench("bench/budget.py", "--quick")
    for way in (r"reserve alone \(the floor\)", r"reserve \+ observe awaited \(before\)",
                r"reserve \+ observe posted \(RayBudget\)", r"leased blocks \+ observe posted \(now\)"):
        assert re.search(rf"{way} +: p50 +\d+ us +p99 +\d+ us +ratio p50 \d+\.\d\d of before", out)
    leases, requests = re.search(r"leased: (\d+) lease call\(s\) for ([\d,]+) requests", out).groups()
    assert int(requests.replace(",", "")) == 200 and 1 <= int(leases) < 200     # not a call per request


@pytest.mark.timeout(600)   # a three-venue farm in a Ray of its own for 40 s, with six faults
def test_soak_smoke_prints_each_actors_figures_before_and_after_its_faults():
    # One venue: the smoke shows the schedule and the tables; the full soak runs all three.
    out = bench("bench/soak.py", "--quick", "--venues", "binance", timeout=540)   # exit 1: a drift, a loss
    first, last = out.index("after the warm-up"), out.index("at the end")
    for table in (out[first:last], out[last:]):
        for actor in ("sim-binance", "market-binance", "engine-binance", "positions-binance", "recorder",
                      "mm_btc_1", "mm_btc_2"):
            assert re.search(rf"^  {actor} +\d+ +\d+ ", table, re.M), (actor, table)
    injected = re.findall(r"fault \d+/(\d+): (.+) on (\w+): injected", out)
    assert len(injected) == int(injected[0][0]) >= 5, out
    assert {kind for _, kind, _ in injected} >= {"socket drops", "sequence gaps", "strategy stalled 2 s",
                                                 "SIGKILL market server"}
    assert re.search(r"soak: worst RSS growth [+-]\d+\.\d % \(aim under 5 %\); ledger drift at the stop: none; "
                     r"restarts \d+; lost none; failures none", out), out


@pytest.mark.timeout(330)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_backtest_benchmark_prints_simulated_seconds_per_wall_second_beside_reading_the_recording():
    out = bench("bench/backtest_speed.py", "--quick", timeout=300)
    assert re.search(r"baseline, reading and decoding them in time order: [\d.]+ s \([\d,]+ messages/s, [\d,]+ "
                     r"simulated s per wall s\)", out)
    assert re.search(r"backtest, 1 market maker\(s\): [\d.]+ s \([\d,]+ simulated s per wall s, [\d,]+ messages/s, "
                     r"\d+ fills, [\d,]+ events\); [\d.]+x the baseline", out)


@pytest.mark.timeout(330)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_replay_benchmark_prints_frames_per_second_through_the_subscriber_beside_the_plain_decode():
    out = bench("bench/replay_speed.py", "--quick", timeout=300)
    assert re.search(r"baseline, plain decode \(orjson\): [\d,]+ frames/s", out)
    assert re.search(r"replay through the Binance subscriber: [\d,]+ frames/s, every frame one delta of one book; "
                     r"[\d.]+x the plain decode's rate", out)


@pytest.mark.timeout(430)   # above the benchmark's own limit: a stuck run fails with its progress shown
def test_sweep_benchmark_prints_the_speed_up_beside_the_same_jobs_one_after_another():
    out = bench("bench/sweep_speedup.py", "--quick", timeout=400)
    assert re.search(r"baseline, 2 run\.py backtests one after another: [\d.]+ s", out)
    assert re.search(r"sweep on Ray, 2 job\(s\) at once: [\d.]+ s, [\d.]+x the baseline", out)
