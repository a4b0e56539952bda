"""What a run report shows, read from a run directory: its summary.json and its recording (order events,
fills, positions, kill-switch commands), and the market's mid from the BBOs of the recording the run traded
on (its own for a live run, the replayed one for a backtest)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tradesys.messages import RiskAction, decode_body
from tradesys.metrics import Histogram
from tradesys.numeric import get_decimal
from tradesys.recording.reader import read_recording, recording_files

NS = 1e9
MAX_POINTS = 4000           # a mid series is thinned to this many points for its figure
LATENCIES = ("wire_to_strategy", "order_round_trip")
ACTIONS = {RiskAction.RISK_ACTION_HALT: "halt", RiskAction.RISK_ACTION_REDUCE_ONLY: "reduce_only",
           RiskAction.RISK_ACTION_FLATTEN: "flatten", RiskAction.RISK_ACTION_RESUME: "resume"}


class ReportError(ValueError):
    """The directory is not a run or a sweep the report can read (the message says what is missing)."""


@dataclass
class KillEvent:
    time: float
    action: str
    venue: str
    strategy_id: str
    reason: str
    issued_by: str


@dataclass
class RunData:
    run_dir: Path
    summary: dict
    mids: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)     # "venue symbol" -> t, mid
    quotes: dict[str, list[tuple[float, str, float]]] = field(default_factory=lambda: defaultdict(list))
    fills: dict[str, list[tuple[float, str, float, float, str]]] = field(default_factory=lambda: defaultdict(list))
    # (strategy, symbol) -> [(t, position, pnl after fees)]
    positions: dict[tuple[str, str], list[tuple[float, float, float]]] = field(default_factory=dict)
    kill_events: list[KillEvent] = field(default_factory=list)
    latency: dict[str, dict[str, Histogram]] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return self.summary.get("mode", "live")

    @property
    def span(self) -> tuple[float, float]:
        times = [t for ts, _ in self.mids.values() for t in ts[:1] + ts[-1:]]
        times += [p[0] for rows in self.positions.values() for p in rows[:1] + rows[-1:]]
        return (min(times), max(times)) if times else (0.0, 0.0)


def load_run(run_dir: Path) -> RunData:
    summary_path = run_dir / "summary.json"
    if not summary_path.is_file():
        raise ReportError(f"{run_dir}: no summary.json (not a run directory, or the run has not ended)")
    try:
        summary = json.loads(summary_path.read_text())
    except ValueError as exc:
        raise ReportError(f"{summary_path}: not JSON ({exc})") from None
    own = run_dir / "recordings"
    market = Path(summary["recording"]) if summary.get("mode") == "backtest" else own
    data = RunData(run_dir, summary)
    if recording_files(market, kind="bbo"):
        data.mids = _mids(read_recording(market, kind="bbo"))
    if recording_files(own):
        _orders(data, read_recording(own, kind="order_event"))
        _fills(data, read_recording(own, kind="fill"))
        _positions(data, read_recording(own, kind="position"))
        _kill(data, read_recording(own, kind="risk_command"))
    for strategy_id, strategy in summary.get("strategies", {}).items():
        data.latency[strategy_id] = {name: _histogram(strategy.get("latency_ns", {}).get(name, {}))
                                     for name in LATENCIES}
    return data


def _times(table: pa.Table) -> list[float]:
    recv = table.column("recv_ts")
    return [t / NS for t in pc.if_else(pc.greater(recv, 0), recv, table.column("record_ts")).to_pylist()]


def _scaled(values: list, scales: list) -> list[float]:
    return [v / 10 ** s if v is not None else float("nan") for v, s in zip(values, scales)]


def _mids(table: pa.Table) -> dict[str, tuple[list[float], list[float]]]:
    out = {}
    # Both sides quoted: a one-sided touch (a book still filling, after a sweep) has no mid.
    table = table.filter(pc.and_(pc.greater(pc.fill_null(table.column("bid_price"), 0), 0),
                                 pc.greater(pc.fill_null(table.column("ask_price"), 0), 0)))
    for venue, symbol in sorted({(r["venue"], r["symbol"]) for r in table.select(["venue", "symbol"]).to_pylist()}):
        rows = table.filter(pc.and_(pc.equal(table.column("venue"), venue), pc.equal(table.column("symbol"), symbol)))
        rows = rows.sort_by("recv_ts")
        step = max(1, rows.num_rows // MAX_POINTS)
        rows = rows.take(list(range(0, rows.num_rows, step)))
        scales = rows.column("price_scale").to_pylist()
        bids = _scaled(rows.column("bid_price").to_pylist(), scales)
        asks = _scaled(rows.column("ask_price").to_pylist(), scales)
        out[f"{venue} {symbol}"] = (_times(rows), [(b + a) / 2 for b, a in zip(bids, asks)])
    return out


def _orders(data: RunData, table: pa.Table) -> None:
    """Our quotes: each order's price when it was accepted or modified."""
    table = table.filter(pc.is_in(table.column("event"), pa.array(["accepted", "modified"])))
    table = table.filter(pc.is_valid(table.column("price")))
    prices = _scaled(table.column("price").to_pylist(), table.column("price_scale").to_pylist())
    for t, strategy, venue, symbol, side, price in zip(_times(table), table.column("strategy_id").to_pylist(),
                                                       table.column("venue").to_pylist(),
                                                       table.column("symbol").to_pylist(),
                                                       table.column("side").to_pylist(), prices):
        data.quotes[f"{venue} {symbol}"].append((t, f"{strategy} {side}", price))


def _fills(data: RunData, table: pa.Table) -> None:
    prices = _scaled(table.column("price").to_pylist(), table.column("price_scale").to_pylist())
    sizes = _scaled(table.column("size").to_pylist(), table.column("size_scale").to_pylist())
    for t, strategy, venue, symbol, side, price, size in zip(
            _times(table), table.column("strategy_id").to_pylist(), table.column("venue").to_pylist(),
            table.column("symbol").to_pylist(), table.column("side").to_pylist(), prices, sizes):
        data.fills[f"{venue} {symbol}"].append((t, side, price, size, strategy))


def _positions(data: RunData, table: pa.Table) -> None:
    """Each strategy's sub-ledger over time, as the position server (or the backtest) published it."""
    table = table.sort_by("recv_ts")
    for t, kind, body in zip(_times(table), table.column("kind").to_pylist(), table.column("body").to_pylist()):
        position = decode_body(kind, body)
        if not position.strategy_id:
            continue              # the whole account's: the report shows the strategies'
        pnl = (get_decimal(position.realized_pnl) + get_decimal(position.unrealized_pnl)
               - get_decimal(position.fees) + get_decimal(position.funding))
        data.positions.setdefault((position.strategy_id, position.symbol), []).append(
            (t, float(get_decimal(position.quantity)), float(pnl)))


def _kill(data: RunData, table: pa.Table) -> None:
    for t, kind, body in zip(_times(table), table.column("kind").to_pylist(), table.column("body").to_pylist()):
        command = decode_body(kind, body)
        data.kill_events.append(KillEvent(t, ACTIONS.get(command.action, "unspecified"), command.venue,
                                          command.strategy_id, command.reason, command.issued_by))
    data.kill_events.sort(key=lambda e: e.time)


def _histogram(summary: dict) -> Histogram:
    try:
        return Histogram.from_summary(summary)
    except (ValueError, TypeError, KeyError):
        return Histogram()          # a summary written before the buckets were kept: that figure says so


def load_sweep(sweep_dir: Path) -> list[dict]:
    path = sweep_dir / "sweep.parquet"
    if not path.is_file():
        raise ReportError(f"{sweep_dir}: no sweep.parquet (not a sweep directory, or the sweep has not ended)")
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def swept_keys(rows: list[dict]) -> list[str]:
    """The override columns whose values differ between jobs, in the table's order."""
    fixed = {"job", "status", "error", "wall_seconds", "node", "strategy", "symbols", "pnl", "realized_pnl",
             "unrealized_pnl", "fees", "fills", "volume", "max_inventory", "order_round_trips", "round_trip_p50_ms"}
    keys = [key for key in (rows[0] if rows else {}) if key not in fixed]
    return [key for key in keys if len({row[key] for row in rows}) > 1]


def as_number(text: str) -> float | str:
    try:
        return float(Decimal(text))
    except Exception:
        return text
