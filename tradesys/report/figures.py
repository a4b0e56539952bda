"""The report's figures, drawn with matplotlib (Agg, no display) into PNG bytes. Each figure says how many
data points it drew, so a reader (and the test) can tell a figure of data from an empty frame."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

from tradesys.metrics import Histogram  # noqa: E402
from tradesys.report.data import LATENCIES, RunData, as_number  # noqa: E402

MODES = {"resume": 0, "reduce_only": 1, "halt": 2, "flatten": 3}
MODE_NAMES = ["normal", "reduce-only", "halt", "flatten"]


@dataclass
class Figure:
    name: str
    title: str
    png: bytes
    points: int
    caption: str = ""


def _png(figure, name: str, title: str, points: int, caption: str = "") -> Figure:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return Figure(name, title, buffer.getvalue(), points, caption)


def _dates(times: list[float]) -> list[dt.datetime]:
    return [dt.datetime.fromtimestamp(t, dt.timezone.utc) for t in times]


def _time_axis(axes) -> None:
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
    axes.set_xlabel("time (UTC)")


def market(data: RunData) -> list[Figure]:
    """Per instrument: the mid, our quotes (accepted and modified prices), our fills."""
    out = []
    for key in sorted(set(data.mids) | set(data.fills) | set(data.quotes)):
        figure, axes = plt.subplots(figsize=(10, 4))
        times, mids = data.mids.get(key, ([], []))
        axes.plot(_dates(times), mids, color="black", linewidth=0.8, label="mid")
        quotes = data.quotes.get(key, [])
        for side, color, marker in (("buy", "tab:green", "^"), ("sell", "tab:red", "v")):
            mine = [q for q in quotes if q[1].endswith(side)]
            if mine:
                axes.scatter(_dates([q[0] for q in mine]), [q[2] for q in mine], s=6, color=color, marker=marker,
                             alpha=0.35, label=f"our {side} quotes")
        fills = data.fills.get(key, [])
        for side, color, marker in (("buy", "tab:green", "^"), ("sell", "tab:red", "v")):
            mine = [f for f in fills if f[1] == side]
            if mine:
                axes.scatter(_dates([f[0] for f in mine]), [f[2] for f in mine], s=40, color=color, marker=marker,
                             edgecolors="black", linewidths=0.6, label=f"{side} fills")
        for event in data.kill_events:
            axes.axvline(_dates([event.time])[0], color="tab:purple", linestyle="--", linewidth=0.8)
        _time_axis(axes)
        axes.set_ylabel("price")
        axes.legend(fontsize="x-small", loc="best")
        out.append(_png(figure, f"market-{key.replace(' ', '-')}", f"{key}: mid, our quotes and fills",
                        len(mids) + len(quotes) + len(fills),
                        f"{len(mids)} mids, {len(quotes)} quotes, {len(fills)} fills; dashed: kill-switch commands"))
    return out


def positions(data: RunData) -> list[Figure]:
    """Inventory and PnL (after fees) over time, one line per strategy and symbol."""
    if not data.positions:
        return []
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    points = 0
    for (strategy, symbol), rows in sorted(data.positions.items()):
        times = _dates([r[0] for r in rows])
        top.step(times, [r[1] for r in rows], where="post", label=f"{strategy} {symbol}")
        bottom.step(times, [r[2] for r in rows], where="post", label=f"{strategy} {symbol}")
        points += len(rows)
    top.set_ylabel("position")
    bottom.set_ylabel("PnL after fees")
    bottom.axhline(0, color="grey", linewidth=0.6)
    top.legend(fontsize="x-small")
    _time_axis(bottom)
    return [_png(figure, "positions", "Inventory and PnL per strategy", points,
                 "each strategy's sub-ledger per symbol, marked to the mid (settle asset)")]


def latency(data: RunData) -> list[Figure]:
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    points = 0
    for ax, name in zip(axes, LATENCIES):
        span = [float("inf"), 0.0]
        for strategy, histograms in sorted(data.latency.items()):
            histogram = histograms[name]
            if not histogram.count:
                continue
            indices = sorted(histogram.buckets)
            ranges = [Histogram.bucket_range(i) for i in indices]
            span = [min(span[0], ranges[0][0] / 1000), max(span[1], ranges[-1][1] / 1000)]
            ax.bar([low / 1000 for low, _ in ranges], [histogram.buckets[i] for i in indices],
                   width=[(high - low) / 1000 for low, high in ranges], align="edge", alpha=0.55, label=strategy)
            points += histogram.count
        ax.set_xscale("log")
        if span[1]:          # at least a decade around the data: one bucket (a constant latency) stays a bar
            ax.set_xlim(max(span[0] / 3, 0.1), span[1] * 3)
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set(xlabel="microseconds", ylabel="count", title=name.replace("_", " "))
        if ax.patches:
            ax.legend(fontsize="x-small")
    return [_png(figure, "latency", "Wire-to-strategy and order round trip", points,
                 "histograms of every strategy (buckets 4 % wide)")]


def kill_switch(data: RunData) -> list[Figure]:
    """The kill switch's mode over the run, per scope it was commanded on (no figure when it never was)."""
    if not data.kill_events:
        return []
    start, end = data.span
    figure, axes = plt.subplots(figsize=(10, 2.8))
    scopes: dict[str, list] = {}
    for event in data.kill_events:
        scope = f"{event.venue or 'every venue'} / {event.strategy_id or 'every strategy'}"
        scopes.setdefault(scope, []).append(event)
    for scope, events in sorted(scopes.items()):
        times = [min(start, events[0].time)] + [e.time for e in events] + [max(end, events[-1].time)]
        levels = [0] + [MODES.get(e.action, 0) for e in events]
        levels.append(levels[-1])
        axes.step(_dates(times), levels, where="post", label=scope)
        axes.scatter(_dates([e.time for e in events]), [MODES.get(e.action, 0) for e in events], s=25)
    axes.set_yticks(range(len(MODE_NAMES)), MODE_NAMES)
    axes.set_ylim(-0.5, len(MODE_NAMES) - 0.5)
    _time_axis(axes)
    axes.legend(fontsize="x-small")
    return [_png(figure, "kill-switch", "Kill switch", len(data.kill_events),
                 f"{len(data.kill_events)} command(s); the table below lists them")]


def sweep_grid(rows: list[dict], keys: list[str]) -> list[Figure]:
    """Per strategy: the swept parameters' grid coloured by PnL (two keys: a heat map; one: bars)."""
    done = [row for row in rows if row["status"] == "done" and row.get("strategy")]
    out = []
    for strategy in sorted({row["strategy"] for row in done}):
        mine = [row for row in done if row["strategy"] == strategy]
        figure, axes = plt.subplots(figsize=(7, 4.5))
        if len(keys) >= 2:
            xs = sorted({row[keys[0]] for row in mine}, key=as_number)
            ys = sorted({row[keys[1]] for row in mine}, key=as_number)
            cells = [[[] for _ in xs] for _ in ys]
            for row in mine:
                cells[ys.index(row[keys[1]])][xs.index(row[keys[0]])].append(row["pnl"])
            grid = [[sum(c) / len(c) if c else float("nan") for c in line] for line in cells]
            image = axes.imshow(grid, cmap="RdYlGn", origin="lower", aspect="auto")
            figure.colorbar(image, ax=axes, label="PnL after fees")
            axes.set_xticks(range(len(xs)), xs)
            axes.set_yticks(range(len(ys)), ys)
            axes.set(xlabel=keys[0], ylabel=keys[1])
            for y, line in enumerate(grid):
                for x, value in enumerate(line):
                    axes.text(x, y, f"{value:.4g}", ha="center", va="center", fontsize="small")
            note = " (mean over the other swept keys)" if len(keys) > 2 else ""
        else:
            key = keys[0] if keys else "job"
            mine = sorted(mine, key=lambda row: as_number(str(row[key])))
            colors = ["tab:green" if row["pnl"] >= 0 else "tab:red" for row in mine]
            axes.bar([str(row[key]) for row in mine], [row["pnl"] for row in mine], color=colors)
            axes.set(xlabel=key, ylabel="PnL after fees")
            note = ""
        axes.set_title(f"{strategy}: PnL over the parameter grid{note}", fontsize="medium")
        out.append(_png(figure, f"grid-{strategy}", f"{strategy}: PnL by parameters", len(mine)))
    return out
