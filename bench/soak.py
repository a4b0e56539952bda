"""Soak: three venues and twelve or more strategies for a long time, with faults on a schedule; does anything
grow or drift?

The farm: each venue's simulator and services, ``--per-venue`` copies of that venue's sample market maker
(4 by default: 12 strategies on three venues), the recorder. After ``--warmup`` seconds it prints, per actor,
its process's RSS and open sockets and its fills, reconnects, gaps, restarts and (position servers) ledger
drift; then every ``--fault-every`` seconds it injects the next fault of the schedule on the next venue
(socket drops, sequence gaps, 5xx bursts, 429s, a 2-s strategy stall, SIGKILL of a market server, position
server, engine or strategy), printing each with its outcome; at the end it prints the table again and, per
actor, its RSS growth since the warm-up. The aim: RSS growth under 5 % after warm-up, and zero ledger drift.
Exit 1 when something was lost, an actor failed, or a ledger drifted; 0 otherwise (RSS is reported, not
judged: its figures are in docs/reliability.md).

    python bench/soak.py [--minutes 30] [--per-venue 4] [--fault-every 60] [--warmup 60] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.local_ray import run_in_local_ray  # noqa: E402
from bench.proc import open_sockets, rss_mb  # noqa: E402
from tradesys.launcher.farm import Farm  # noqa: E402

MARKET_MAKERS = {"binance": "mm_btc", "deribit": "mm_btc_perp", "grvt": "mm_btc_grvt"}
COLUMNS = ("RSS MB", "sockets", "fills", "reconnects", "gaps", "restarts", "drift")


# -- what each actor holds ------------------------------------------------------------------

async def snapshot(farm: Farm) -> dict[str, dict]:
    """Per actor: RSS, sockets, and the counters the soak watches (an actor that does not answer: its row
    says so)."""
    rows = {}
    for name in sorted(farm.launcher.handles):
        try:
            status = await asyncio.wait_for(farm.call(name, "status"), 10)
            pid, counters = status["pid"], status["counters"]
            row = {"RSS MB": rss_mb(pid), "sockets": open_sockets(pid), "fills": counters.get("fills", ""),
                   "reconnects": sum(v for k, v in counters.items() if "reconnect" in k),
                   "gaps": sum(v for k, v in counters.items() if k == "gaps" or k.endswith("_gaps")),
                   "restarts": farm.launcher.restarts.get(name, 0), "drift": ""}
            if name.startswith("positions-"):
                row["drift"] = str(await drift(farm, name))
        except Exception as exc:      # a row of the report, whatever went wrong with one actor
            row = {"error": f"{type(exc).__name__}: {str(exc)[:80]}"}
        rows[name] = row
    return rows


async def drift(farm: Farm, positions: str) -> Decimal:
    """The sum over symbols of |the venue's position - the sum of the sub-ledgers| at the position server."""
    ledgers = (await farm.call(positions, "ledgers"))["account"]
    return sum((abs(Decimal(row["drift"])) for row in ledgers.values()), Decimal(0))


def print_table(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'actor':<22}" + "".join(f"{c:>12}" for c in COLUMNS))
    for name, row in rows.items():
        if "error" in row:
            print(f"  {name:<22}  {row['error']}")
            continue
        cells = [f"{row['RSS MB']:.0f}", *(str(row[c]) for c in COLUMNS[1:])]
        print(f"  {name:<22}" + "".join(f"{cell:>12}" for cell in cells))
    sys.stdout.flush()


# -- faults -------------------------------------------------------------------------------------

async def switch(farm: Farm, venue: str, **switches) -> None:
    """Set fault switches on a simulator through its loopback control endpoint."""
    url = farm.launcher.directory[f"sim-{venue}"]["sim control"]
    request = urllib.request.Request(url, data=json.dumps(switches).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read())


async def kill(farm: Farm, name: str) -> None:
    os.kill(await farm.call(name, "pid"), signal.SIGKILL)


FAULTS = (
    ("socket drops", lambda farm, venue: switch(farm, venue, drop_connections=True)),
    ("sequence gaps", lambda farm, venue: switch(farm, venue, skip_depth_updates=3)),
    ("5xx burst", lambda farm, venue: switch(farm, venue, http_errors=[500, 503, 500])),
    ("429", lambda farm, venue: switch(farm, venue, http_errors=[429])),
    ("strategy stalled 2 s", lambda farm, venue: farm.call(f"{MARKET_MAKERS[venue]}_1", "stall", 2.0)),
    ("SIGKILL market server", lambda farm, venue: kill(farm, f"market-{venue}")),
    ("SIGKILL position server", lambda farm, venue: kill(farm, f"positions-{venue}")),
    ("SIGKILL engine", lambda farm, venue: kill(farm, f"engine-{venue}")),
    ("SIGKILL strategy", lambda farm, venue: kill(farm, f"{MARKET_MAKERS[venue]}_2")),
)


def schedule(count: int, venues: list[str]) -> list[tuple[tuple, str]]:
    """``count`` faults: the kinds in turn, the venues interleaved so that every kind meets every venue
    within len(FAULTS) * len(venues) faults."""
    return [(FAULTS[n % len(FAULTS)], venues[(n + n // len(FAULTS)) % len(venues)]) for n in range(count)]


# -- the run ----------------------------------------------------------------------------------

def overrides(venues: list[str], per_venue: int, max_restarts: int) -> list[str]:
    strategies = [MARKET_MAKERS[v] for v in venues]
    out = [f"exchange=[{','.join(venues)}]", f"strategy=[{','.join(strategies)}]", "recording.enabled=true"]
    for strategy in strategies:
        out += [f"strategy.{strategy}.instances={per_venue}", f"strategy.{strategy}.params.half_spread_bps=1"]
    # A soak kills processes on purpose: every kind gets budget for its share of the schedule.
    out += [f"supervision.max_restarts.{kind}={max_restarts}" for kind in ("market", "engine", "positions",
                                                                            "strategy")]
    return out


async def soak(args: argparse.Namespace) -> int:
    venues = args.venues.split(",")
    seconds = args.minutes * 60
    faults = max(0, int((seconds - args.warmup) // args.fault_every))
    run_dir = Path(tempfile.mkdtemp(prefix="tradesys-soak-"))
    print(f"soak: {len(venues)} venues, {args.per_venue * len(venues)} strategies, {args.minutes:g} min "
          f"({args.warmup:g} s warm-up), a fault every {args.fault_every:g} s ({faults} faults); run in {run_dir}",
          flush=True)
    async with Farm(run_dir, *overrides(venues, args.per_venue, faults + 1)) as farm:
        started = time.monotonic()
        await asyncio.sleep(args.warmup)        # time itself: the warm-up
        first = await snapshot(farm)
        print_table(f"after the warm-up ({time.monotonic() - started:.0f} s)", first)
        for n, ((label, inject), venue) in enumerate(schedule(faults, venues)):
            await asyncio.sleep(args.fault_every)   # time itself: the schedule
            try:
                await inject(farm, venue)
                outcome = "injected"
            except Exception as exc:
                outcome = f"could not inject: {type(exc).__name__}: {exc}"
            print(f"  [{time.monotonic() - started:6.0f} s] fault {n + 1}/{faults}: {label} on {venue}: {outcome}",
                  flush=True)
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))   # time itself: the rest
        await asyncio.sleep(max(2.0, args.fault_every / 2) if faults else 0)   # time itself: the last recovery
        last = await snapshot(farm)
        print_table(f"at the end ({time.monotonic() - started:.0f} s)", last)
        summaries = await farm.stop_trading()
    return report(first, last, summaries, farm)


def report(first: dict, last: dict, summaries: dict, farm: Farm) -> int:
    print("\nRSS growth since the warm-up (restarted actors: since their new process began, not comparable)")
    growth = {}
    for name, row in last.items():
        before = first.get(name, {})
        if "error" in row or "error" in before or row["restarts"] != before.get("restarts"):
            continue
        growth[name] = (row["RSS MB"] - before["RSS MB"]) / before["RSS MB"] * 100
    for name, pct in sorted(growth.items(), key=lambda item: -item[1]):
        print(f"  {name:<22}{pct:>+8.1f} %")
    worst = max(growth.values(), default=0.0)
    drifts = {name: summaries.get(name, {}).get("ledgers", {}).get("account", {}) for name in summaries
              if name.startswith("positions-")}
    drifted = {name: {s: r["drift"] for s, r in rows.items() if Decimal(r["drift"])} for name, rows in drifts.items()}
    drifted = {name: rows for name, rows in drifted.items() if rows}
    lost = farm.launcher.supervisor.lost
    print(f"\nsoak: worst RSS growth {worst:+.1f} % (aim under 5 %); ledger drift at the stop: "
          f"{drifted or 'none'}; restarts {sum(farm.launcher.restarts.values())}; lost {sorted(lost) or 'none'}; "
          f"failures {farm.launcher.failures or 'none'}", flush=True)
    return 1 if drifted or lost or farm.launcher.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the farm runs (default 30)")
    parser.add_argument("--per-venue", type=int, default=4, help="market makers per venue (default 4: 12 in all)")
    parser.add_argument("--venues", default="binance,deribit,grvt", help="comma-separated (default all three)")
    parser.add_argument("--fault-every", type=float, default=60.0, help="seconds between faults (default 60)")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds before the first table (default 60)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2 per venue, 23 s, 5 s warm-up, a fault every 3 s")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.per_venue, args.warmup, args.fault_every = 23 / 60, 2, 5.0, 3.0
    if args.per_venue < 2:
        parser.error("--per-venue: at least 2 (the schedule stalls one strategy and kills another)")
    outcome = {}

    async def work() -> None:
        outcome["code"] = await soak(args)

    run_in_local_ray(work(), "tradesys-soak")
    return outcome.get("code", 1)


if __name__ == "__main__":
    sys.exit(main())
