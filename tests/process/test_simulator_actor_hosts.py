"""The simulator actor on a farm whose bus binds on each node's own address (``cluster.bus_host: auto``): its
web servers bind there too, not on the literal word "auto" (which failed the farm's start with a name
resolution error on a cluster)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from urllib.parse import urlsplit

import pytest

from tradesys.actors.base import ActorContext
from tradesys.actors.simulator import SimulatorActor, SimulatorSettings
from tradesys.bus.sockets import node_address


@pytest.mark.parametrize("venue,symbol", [("binance", "BTCUSDT"), ("deribit", "BTC-PERPETUAL"),
                                          ("grvt", "BTC_USDT_Perp")])
async def test_with_bus_host_auto_the_simulator_serves_on_the_nodes_address(tmp_path, venue, symbol):
    actor = SimulatorActor(f"sim-{venue}", SimulatorSettings(venue, (symbol,), seed=3, api_key="k" * 64,
                                                               api_secret="ab" * 32))
    endpoints = await actor.start(ActorContext(run_dir=str(tmp_path), bus_host="auto"))
    try:
        urls = {role: value for role, value in endpoints.items() if "://" in value}
        control = urls.pop("sim control")
        # Where the bus sockets bind too: Ray's address of this node (loopback when Ray is not running here).
        assert urls and {urlsplit(url).hostname for url in urls.values()} == {node_address("auto")}, urls
        # The fault switches stay on loopback (cluster.sim_control_host), on a port of their own.
        assert urlsplit(control).hostname == "127.0.0.1"
        assert urlsplit(control).port not in {urlsplit(url).port for url in urls.values()}
        request = urllib.request.Request(control, data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        # In a thread: the simulator serves from this test's event loop.
        answer = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read()))
        assert isinstance(answer, dict)          # the fault endpoint answers on the address it reported
    finally:
        await actor.stop()
