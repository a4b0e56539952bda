"""The order in which actors whose node was lost are made again: one at a time, the plan's order first."""

from __future__ import annotations

import asyncio

from tradesys.launcher.relocate import Moves


async def test_moves_take_turns_one_at_a_time_in_the_plans_order():
    moves = Moves(["budget-binance", "engine-binance", "mm_btc_1"])
    done: list[str] = []
    inside = 0

    async def move(name: str) -> None:
        nonlocal inside
        async with moves.turn(name):
            inside += 1
            assert inside == 1, "two moves at once"
            await asyncio.sleep(0.01)     # time itself: a move that takes a while
            done.append(name)
            inside -= 1

    first = asyncio.create_task(move("engine-binance"))
    await asyncio.sleep(0)                # it has the turn; the others queue behind it
    await asyncio.gather(first, move("mm_btc_1"), move("budget-binance"))
    assert done == ["engine-binance", "budget-binance", "mm_btc_1"]
