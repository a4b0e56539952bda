"""A backtest's summary.json: its strategies as a live run's summary states them (the same
``StrategyActor.summary``), what the simulated venue's accounts say of them (a check on the strategies'
own ledgers), and how the run went (span, speed, models, fees)."""

from __future__ import annotations

import json
import time

NS = 1_000_000_000


def write_summary(backtest, start_ns: int, end_ns: int, messages: int, wall_seconds: float) -> dict:
    """``backtest`` (a ``runner.Backtest``, which calls this) as its run's summary.json; returned too."""
    config = backtest.app.backtest
    simulated = (end_ns - start_ns) / NS
    strategies = {}
    for strategy_id, actor in backtest.actors.items():
        out = actor.summary()
        strategies[strategy_id] = {**out["strategy"], "counters": out["counters"],
                                   "max_inventory": {symbol: str(held) for (owner, symbol), held in
                                                     _max_inventory(backtest).items() if owner == strategy_id}}
    summary = {
        "mode": "backtest",
        "run_dir": str(backtest.run_dir),
        "recording": str(backtest.root),
        "ended": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "exit_code": 0,
        "backtest": {
            "simulated_start_ns": start_ns, "simulated_end_ns": end_ns, "simulated_seconds": simulated,
            "wall_seconds": wall_seconds, "speed": simulated / wall_seconds if wall_seconds else 0.0,
            "messages": messages, "events": backtest.scheduler.ran, "seed": config.seed,
            "latency": backtest.latency.describe(),
            "queue": {"model": backtest.queue.kind, "power": backtest.queue.power},
            "venues": {run.venue_key: {
                "venue": run.name,
                "fees": {s: {"maker": str(i.maker_fee), "taker": str(i.taker_fee)}
                         for s, i in run.exchange.instruments.items()},
                "liquidity": dict(run.liquidity.count), "orders": dict(run.venue.count),
                "rejections": dict(run.venue.rejections),
                "risk_gate_refusals": dict(run.venue.gate.rejected) if run.venue.gate else {}}
                for run in backtest.venues},
        },
        "strategies": strategies,
        "venue_accounts": {strategy_id: venue_account(run, strategy_id)
                           for run in backtest.venues for strategy_id in run.venue.strategies},
    }
    path = backtest.run_dir / "summary.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1, sort_keys=True, default=str))
    return summary


def _max_inventory(backtest) -> dict:
    out = {}
    for run in backtest.venues:
        out.update(run.venue.max_inventory)
    return out


def venue_account(run, strategy_id: str) -> dict:
    account = run.exchange.accounts[strategy_id]
    return {"wallet": {asset: str(value) for asset, value in account.wallet.items()},
            "positions": {symbol: {"quantity": str(p.quantity), "entry_price": str(p.entry_price),
                                   "realized_pnl": str(p.realized_pnl), "fees": str(p.fees)}
                          for symbol, p in account.positions.items()}}
