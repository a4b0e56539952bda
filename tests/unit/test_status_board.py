import time

from rich.console import Console

from tradesys.launcher.status import StatusBoard
from tradesys.messages import ActorState, Heartbeat


def _beat(actor, messages, state=ActorState.ACTOR_STATE_RUNNING):
    beat = Heartbeat(actor=actor, state=state)
    beat.counters.update({"messages": messages, "gaps": 2})
    return beat


def test_a_heartbeat_updates_state_counters_and_rate():
    board = StatusBoard(["recorder"], heartbeat_seconds=1.0, missing_after=3.0)
    board.on_heartbeat(_beat("recorder", 100))
    row = board.rows["recorder"]
    row._prev = (row._prev[0] - 2.0, 100)  # pretend the first beat came two seconds ago
    board.on_heartbeat(_beat("recorder", 300))
    assert row.state == "running" and row.counters["gaps"] == 2
    assert 90 < row.rate < 110
    assert "recorder: running" in board.lines()[0]


def test_an_actor_without_a_recent_heartbeat_is_missing():
    board = StatusBoard(["recorder", "silent"], heartbeat_seconds=1.0, missing_after=3.0)
    board.on_heartbeat(_beat("recorder", 1))
    later = time.monotonic() + 3.5
    assert board.effective_state(board.rows["recorder"], later) == "missing"
    assert board.effective_state(board.rows["recorder"], time.monotonic()) == "running"
    assert board.effective_state(board.rows["silent"], later) == "missing"
    table = board.render("t")
    assert table.row_count == 2


def test_heartbeats_of_unknown_actors_are_ignored():
    board = StatusBoard(["recorder"], heartbeat_seconds=1.0, missing_after=3.0)
    board.on_heartbeat(_beat("someone-else", 1))
    assert list(board.rows) == ["recorder"] and board.rows["recorder"].heartbeats == 0


def test_latency_histogram_buckets_are_cumulative_and_exact_within_a_bucket():
    from tradesys.metrics import BOUNDS_S, Histogram

    histogram = Histogram()
    for ns in (5_000, 20_000, 20_000, 800_000, 3_000_000_000):
        histogram.add(ns)
    data = histogram.prometheus()
    counts = dict((le, n) for le, n in data["buckets"])
    assert counts[str(1e-5)] == 1 and counts[str(2.5e-5)] == 3 and counts[str(1e-3)] == 4
    assert counts[str(BOUNDS_S[-1])] == 4 and counts["+Inf"] == 5       # 3 s is above every bound
    assert [n for _, n in data["buckets"]] == sorted(n for _, n in data["buckets"])
    assert abs(data["sum_s"] - 3.000845) < 1e-9
    assert 18_000 <= histogram.quantile(0.5) <= 21_000 and histogram.quantile(1.0) == 3_000_000_000


def test_a_venue_that_is_down_shows_with_its_reason_on_screen_and_in_lines():
    board = StatusBoard(["market-binance", "market-deribit"], heartbeat_seconds=1.0, missing_after=3.0,
                        venues=["binance", "deribit"])
    assert board.venue_line() == "binance up, deribit up"
    board.venue_down("deribit", "sim-deribit lost: died with its restart budget of 3 spent")
    assert board.lines()[0] == ("venues: binance up, deribit DOWN (sim-deribit lost: died with its restart "
                                "budget of 3 spent)")
    console = Console(record=True, width=200)
    console.print(board.render("t"))
    assert "deribit DOWN (sim-deribit lost" in console.export_text()


def test_an_open_circuit_breaker_leads_the_actors_detail():
    board = StatusBoard(["engine-grvt"], heartbeat_seconds=1.0, missing_after=3.0)
    beat = Heartbeat(actor="engine-grvt", state=ActorState.ACTOR_STATE_RUNNING, detail="kill switch halt: why")
    beat.counters.update({"breaker_orders_open": 1, "breaker_account_open": 0, "breaker_orders_trips": 1})
    board.on_heartbeat(beat)
    assert board.lines()[0].endswith("detail=circuit open: orders; kill switch halt: why")


def test_each_actor_shows_the_node_it_runs_on_and_a_move_updates_it():
    board = StatusBoard(["engine-binance", "mm_btc"], heartbeat_seconds=1.0, missing_after=3.0)
    board.set_node("engine-binance", "10.0.0.10")
    board.set_node("mm_btc", "10.0.0.11")
    board.set_node("mm_btc", None)                 # a status without a node keeps the last one
    board.set_node("not-an-actor", "10.0.0.99")
    assert board.lines()[0].startswith("engine-binance: starting node=10.0.0.10 ")
    assert " node=10.0.0.11 " in board.lines()[1]
    board.set_node("mm_btc", "10.0.0.12")          # restarted on another node
    assert " node=10.0.0.12 " in board.lines()[1]
    console = Console(width=200, record=True)
    console.print(board.render_actors("actors"))
    table = console.export_text()
    assert "10.0.0.10" in table and "10.0.0.12" in table
