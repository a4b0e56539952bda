"""A sweep's combined table (one row per job and strategy: its parameters, then PnL, fills, volume, largest
inventory, fees and order round trips) as Parquet and CSV, and two plots comparing the jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TABLE = "sweep"        # sweep.parquet, sweep.csv
PLOTS = ("pnl_by_job.png", "pnl_vs_volume.png")


@dataclass
class JobOutcome:
    index: int
    overrides: list[str]
    summary: dict | None
    error: str = ""
    seconds: float = 0.0
    node: str = ""                # the address of the Ray node it ran on
    params: dict[str, str] = field(init=False)

    def __post_init__(self):
        self.params = dict(o.split("=", 1) for o in self.overrides if "=" in o)


def rows(outcomes: list[JobOutcome]) -> list[dict]:
    keys = sorted({key for outcome in outcomes for key in outcome.params})
    out = []
    for outcome in outcomes:
        base = {"job": outcome.index, **{key: outcome.params.get(key, "") for key in keys},
                "status": "failed" if outcome.error else "done", "error": outcome.error,
                "wall_seconds": round(outcome.seconds, 3), "node": outcome.node}
        strategies = (outcome.summary or {}).get("strategies", {}) if not outcome.error else {}
        if not strategies:
            out.append({**base, "strategy": ""})
            continue
        for strategy_id, strategy in strategies.items():
            totals = _totals(strategy)
            trips = strategy["latency_ns"]["order_round_trip"]
            out.append({**base, "strategy": strategy_id, "symbols": " ".join(strategy["symbols"]),
                        "pnl": totals["pnl"], "realized_pnl": totals["realized"],
                        "unrealized_pnl": totals["unrealized"], "fees": totals["fees"],
                        "fills": strategy["fills"], "volume": float(Decimal(strategy["volume"])),
                        "max_inventory": max((float(Decimal(v)) for v in strategy.get("max_inventory", {}).values()),
                                             default=0.0),
                        "order_round_trips": trips["count"], "round_trip_p50_ms": trips["p50"] / 1e6})
    return out


def _totals(strategy: dict) -> dict[str, float]:
    """PnL after fees and funding, summed over the strategy's symbols (each in its settle asset)."""
    sums = {"realized": Decimal(0), "unrealized": Decimal(0), "fees": Decimal(0), "funding": Decimal(0)}
    for row in strategy["symbols"].values():
        sums["realized"] += Decimal(row["realized_pnl"])
        sums["unrealized"] += Decimal(row["unrealized_pnl"])
        sums["fees"] += Decimal(row["fees"])
        sums["funding"] += Decimal(row.get("funding", "0"))
    pnl = sums["realized"] + sums["unrealized"] - sums["fees"] + sums["funding"]
    return {"pnl": float(pnl), "realized": float(sums["realized"]), "unrealized": float(sums["unrealized"]),
            "fees": float(sums["fees"])}


def write(sweep_dir: Path, outcomes: list[JobOutcome]) -> list[Path]:
    """sweep.parquet, sweep.csv and the plots into ``sweep_dir``; the paths written."""
    table = pa.Table.from_pylist(rows(outcomes))
    written = [sweep_dir / f"{TABLE}.parquet", sweep_dir / f"{TABLE}.csv"]
    pq.write_table(table, written[0])
    pacsv.write_csv(table, written[1])
    return written + plot(sweep_dir, table.to_pylist())


def plot(sweep_dir: Path, table: list[dict]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [row for row in table if row["status"] == "done" and row.get("strategy")]
    strategies = sorted({row["strategy"] for row in done})
    jobs = sorted({row["job"] for row in table})
    paths = [sweep_dir / name for name in PLOTS]

    figure, axes = plt.subplots(figsize=(max(6.0, 0.6 * len(jobs) * max(1, len(strategies))), 4.0))
    width = 0.8 / max(1, len(strategies))
    for n, strategy in enumerate(strategies):
        pnl = {row["job"]: row["pnl"] for row in done if row["strategy"] == strategy}
        axes.bar([j + n * width for j in jobs], [pnl.get(j, 0.0) for j in jobs], width, label=strategy)
    axes.set_xticks([j + width * (len(strategies) - 1) / 2 for j in jobs], [str(j) for j in jobs])
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set(xlabel="job", ylabel="PnL after fees (settle asset)", title="PnL by job and strategy")
    if strategies:
        axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(paths[0], dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6.0, 4.0))
    for strategy in strategies:
        mine = [row for row in done if row["strategy"] == strategy]
        axes.scatter([row["volume"] for row in mine], [row["pnl"] for row in mine], label=strategy)
        for row in mine:
            axes.annotate(str(row["job"]), (row["volume"], row["pnl"]), fontsize="x-small",
                          textcoords="offset points", xytext=(3, 3))
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set(xlabel="volume traded (base units)", ylabel="PnL after fees (settle asset)",
             title="PnL against volume, one point per job")
    if strategies:
        axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(paths[1], dpi=100)
    plt.close(figure)
    return paths
