"""The reconciliation every venue's farm must pass: the venue's own record of the account against the
position server's ledgers, the strategies' own ledgers and the engine's order table; and the wait for a
restarted engine to have reconciled."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

import ray

from tradesys.venue.ids import ClientOrderIds

D = Decimal


def assert_every_fill_reconciles(summaries: dict, venue: dict, *, venue_key: str, owners: tuple[str, ...],
                                 printed: Callable[[Decimal], Decimal], tolerance: Decimal,
                                 ours: Callable[[str], str] = str) -> None:
    """``venue``: the simulator actor's ``account_state``; ``printed``: a value as the venue prints it in its
    events (the ledgers hold what was printed); ``tolerance``: per fill, for sums of printed values;
    ``ours``: a client order id as the venue keeps it -> ours (GRVT keeps numbers)."""
    # Nothing rests at the venue for the account after the stop.
    assert {s: v["open"] for s, v in venue.items()} == {s: [] for s in venue}

    # Every fill the simulator made appears exactly once, in the right sub-ledger.
    venue_fills = defaultdict(Counter)
    signed = defaultdict(lambda: D(0))
    fees = defaultdict(lambda: D(0))
    for symbol, state in venue.items():
        for fill in state["fills"]:
            owner = ClientOrderIds.owner(ours(fill["client_order_id"]))
            venue_fills[owner][symbol] += 1
            quantity = D(fill["quantity"]) * (1 if fill["side"] == "buy" else -1)
            signed[(owner, symbol)] += quantity
            fees[(owner, symbol)] += printed(D(fill["fee"]))
    ledgers = summaries[f"positions-{venue_key}"]["ledgers"]
    assert set(venue_fills) == set(owners)
    for owner, per_symbol in venue_fills.items():
        for symbol, count in per_symbol.items():
            row = ledgers["strategies"][owner][symbol]
            assert row["fills"] == count, (owner, symbol, "ledger", row["fills"], "venue", count,
                                           summaries[f"positions-{venue_key}"]["counters"])
            assert D(row["position"]) == signed[(owner, symbol)]
            assert D(row["fees"]) == fees[(owner, symbol)]
    # Each strategy's own ledger (built from its oe.* fills) says the same as the position server's.
    for owner in owners:
        own = summaries[owner]["strategy"]["symbols"]
        for symbol, row in ledgers["strategies"][owner].items():
            mine = (own[symbol]["fills"], own[symbol]["position"], own[symbol]["realized_pnl"], own[symbol]["fees"])
            theirs = (row["fills"], row["position"], row["realized_pnl"], row["fees"])
            assert mine == theirs, (owner, symbol, "strategy", mine, "position server", theirs,
                                    summaries[owner]["counters"])
    # The sum of the strategies is the account, as the venue holds it; realised PnL and fees reconcile.
    for symbol, state in venue.items():
        strategies = [rows[symbol] for rows in ledgers["strategies"].values() if symbol in rows]
        assert sum((D(r["position"]) for r in strategies), D(0)) == D(state["position"])
        fills = len(state["fills"])
        assert abs(sum((D(r["fees"]) for r in strategies), D(0)) - D(state["fees"])) <= fills * tolerance
        account = ledgers["account"][symbol]
        assert D(account["drift"]) == 0 and D(account["venue_position"]) == D(state["position"])
        assert abs(D(account["realized_pnl"]) - D(state["realized_pnl"])) <= fills * tolerance, (
            symbol, "ledger", account["realized_pnl"], "venue", state["realized_pnl"], "fills", fills)
    engine = summaries[f"engine-{venue_key}"]
    assert engine["counters"]["open_orders"] == 0 and engine["state"] == "stopped"
    for owner in owners:
        assert summaries[owner]["state"] == "stopped" and summaries[owner]["strategy"]["open_orders"] == 0


async def restarted(farm, name: str, old_pid: int) -> bool:
    """A new process of ``name``, started and wired again by the launcher, running."""
    try:
        status = await asyncio.wait_for(farm.call(name, "status"), 5)
    except (ray.exceptions.RayActorError, TimeoutError):
        return False
    return status["pid"] != old_pid and status["started"] and status["state"] == "running"


async def engine_restarted(farm, name: str, old_pid: int) -> bool:
    """A new engine process that has reconciled: it reports "running" before its wiring, and it reconciles
    in the wiring before it accepts requests, so "accepting" is the sign the reconciliation is done."""
    if not await restarted(farm, name, old_pid):
        return False
    try:
        return bool((await asyncio.wait_for(farm.call(name, "snapshot"), 5))["accepting"])
    except (ray.exceptions.RayActorError, TimeoutError):
        return False
