"""The launcher's supervisor: backoff that doubles, a budget per actor, and what makes an actor lost."""

from __future__ import annotations

import asyncio
import time

from tradesys.aio import wait_until
from tradesys.config.schema import SupervisionConfig
from tradesys.launcher.placement import PlacementError
from tradesys.launcher.plan import ActorSpec
from tradesys.launcher.supervisor import Supervisor


class Calls:
    def __init__(self, revive_fails: bool | Exception = False):
        self.revived: list[str] = []
        self.lost: list[tuple[str, str]] = []
        self.said: list[str] = []
        self.revive_fails = revive_fails

    async def revive(self, name: str) -> None:
        self.revived.append(name)
        if isinstance(self.revive_fails, Exception):
            raise self.revive_fails
        if self.revive_fails:
            raise RuntimeError("port in use")

    async def on_lost(self, name: str, reason: str) -> None:
        self.lost.append((name, reason))


def supervisor(calls: Calls, budget: int = 2, backoff: float = 0.01) -> Supervisor:
    plan = [ActorSpec("market-binance", object, max_restarts=budget, kind="market", venue="binance")]
    settings = SupervisionConfig(backoff_seconds=backoff, backoff_max_seconds=0.04)
    return Supervisor(plan, settings, {}, calls.revive, calls.on_lost, calls.said.append)


def test_the_backoff_doubles_with_each_restart_up_to_its_cap():
    sup = supervisor(Calls(), budget=10)
    waits = []
    for n in range(5):
        waits.append(sup.backoff("market-binance"))
        sup.restarts["market-binance"] = n + 1
    assert waits == [0.01, 0.02, 0.04, 0.04, 0.04]


async def test_a_fresh_process_is_started_after_the_backoff_and_counted_once():
    calls = Calls()
    sup = supervisor(calls)
    asked = time.monotonic()
    sup.answered("market-binance", started=False, asked_at=asked)
    sup.answered("market-binance", started=False, asked_at=asked)    # seen again while its restart is under way
    await wait_until(lambda: any("is back" in line for line in calls.said), "the restart done", timeout=5)
    sup.answered("market-binance", started=False, asked_at=asked)    # asked before the restart ended: stale
    await asyncio.sleep(0.1)     # time itself: a second restart, were one wrongly started, would have begun
    assert calls.revived == ["market-binance"] and sup.restarts == {"market-binance": 1}
    assert any("restart 1 of 2" in line for line in calls.said) and any("is back" in line for line in calls.said)
    assert sup.budget_left("market-binance") == 1 and not calls.lost


async def test_a_death_with_the_budget_spent_is_a_loss_that_names_the_budget():
    calls = Calls()
    sup = supervisor(calls, budget=0)
    await sup.died("market-binance", "The actor died unexpectedly")
    assert calls.lost == [("market-binance", "died with no restart budget (0): The actor died unexpectedly")]
    assert not sup.watched("market-binance")
    await sup.died("market-binance", "again")            # lost once, not twice
    assert len(calls.lost) == 1


async def test_a_death_within_the_budget_waits_for_ray_to_bring_it_back():
    calls = Calls()
    sup = supervisor(calls, budget=1)
    await sup.died("market-binance", "died")
    assert not calls.lost and sup.watched("market-binance")


async def test_a_new_life_that_cannot_start_on_the_last_restart_is_lost():
    calls = Calls(revive_fails=True)
    sup = supervisor(calls, budget=1)
    sup.answered("market-binance", started=False, asked_at=time.monotonic())
    await wait_until(lambda: calls.lost, "the actor lost", timeout=5)
    assert calls.revived == ["market-binance"]
    assert calls.lost == [("market-binance", "its restart 1 failed: port in use")]


async def test_an_actor_whose_node_is_gone_is_restarted_at_once_not_waited_for():
    calls = Calls()
    plan = [ActorSpec("mm_btc_1", object, max_restarts=2, kind="strategy", venue="binance")]
    gone = {"mm_btc_1": False}

    async def node_lost(name: str) -> bool:
        return gone[name]

    sup = Supervisor(plan, SupervisionConfig(backoff_seconds=0.01), {}, calls.revive, calls.on_lost,
                     calls.said.append, node_lost=node_lost)
    await sup.died("mm_btc_1", "its worker died")      # its node still there: Ray's restart is awaited
    await asyncio.sleep(0.05)       # time itself: a restart, were one wrongly started, would have begun
    assert calls.revived == []
    gone["mm_btc_1"] = True
    await sup.died("mm_btc_1", "its node died")
    await sup.died("mm_btc_1", "its node died")        # seen again while it is being made again
    await wait_until(lambda: any("is back" in line for line in calls.said), "the actor made again", timeout=5)
    assert calls.revived == ["mm_btc_1"] and sup.restarts == {"mm_btc_1": 1} and not calls.lost


async def test_a_restart_that_no_live_node_may_take_is_a_loss_at_once_with_budget_left():
    calls = Calls(revive_fails=PlacementError("actor market-binance cannot be placed: no live node has label "
                                              "role=venues"))
    sup = supervisor(calls, budget=3)
    sup.answered("market-binance", started=False, asked_at=time.monotonic())
    await wait_until(lambda: calls.lost, "the actor lost", timeout=5)
    assert calls.revived == ["market-binance"] and sup.budget_left("market-binance") == 2
    assert calls.lost == [("market-binance", "its restart 1 failed: actor market-binance cannot be placed: no live "
                                             "node has label role=venues")]
