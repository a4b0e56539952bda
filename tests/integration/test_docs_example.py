"""The complete example of docs/strategies.md runs as written: configured as the page says, it quotes and obeys."""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.plugins import install
from tradesys.aio import wait_until
from tradesys.config.load import CONF_DIR
from tradesys.launcher.farm import Farm
from tradesys.strategy.registry import get_strategy

pytestmark = pytest.mark.integration
DOC = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


@pytest.fixture
def example_module(tmp_path, monkeypatch):
    """The page's code as ``strategies/_docs_example_<pid>.py`` for the test's length (the actors import it
    like any bundled strategy; the file is removed afterwards), registered as the page says: an installed
    distribution's entry point in group ``tradesys.strategies``, with the page's name for the module."""
    code = re.search(r"```python\n# strategies/bid_below.py\n(.*?)```", DOC.read_text(), re.S).group(1)
    declared = re.search(r"```toml\n(\[project.entry-points.\"tradesys.strategies\"\]\n.*?)```", DOC.read_text(),
                         re.S).group(1)
    name = f"_docs_example_{os.getpid()}"
    path = DOC.parents[1] / "strategies" / f"{name}.py"
    path.write_text(code)
    entry = declared.replace('[project.entry-points."tradesys.strategies"]', "[tradesys.strategies]")
    install(tmp_path / "site", monkeypatch, "docs-example",
            entry.replace('"', "").replace("strategies.bid_below", f"strategies.{name}"))
    try:
        yield importlib.import_module(f"strategies.{name}")
    finally:
        path.unlink()
        sys.modules.pop(f"strategies.{name}", None)


async def test_the_documented_example_strategy_bids_below_the_touch_until_filled(ray_cluster, tmp_path,
                                                                      example_module):
    assert get_strategy("bid_below") is example_module.BidBelow
    # The configuration file exactly as the page gives it, in a copy of conf/.
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    config = re.search(r"```yaml\n(# @package strategy.bid_btc\n.*?)```", DOC.read_text(), re.S).group(1)
    (conf / "strategy" / "bid_btc.yaml").write_text(config)
    async with Farm(tmp_path / "run", "strategy=[bid_btc]", conf_dir=conf) as farm:
        # It bids below the touch...
        view = await wait_until(lambda: _bid_or_fill(farm), "a bid placed", timeout=60, every=0.5)
        if view["quote_bid"]:
            assert Decimal(view["quote_bid"]) < Decimal(view["bid"]) and view["quote_ask"] == ""
        # ...until it is filled (10 ticks under the touch: the synthetic flow gets there), and then bids no more.
        await wait_until(lambda: _filled(farm), "filled", timeout=90, every=0.5)
        orders = (await farm.call("bid_btc", "status"))["counters"]["oms_new"]
        await asyncio.sleep(2.0)   # time itself: a two-second window in which it must place nothing
        after = await farm.call("bid_btc", "status")
        assert after["counters"]["oms_new"] == orders and after["counters"]["open_orders"] == 0
        assert Decimal((await farm.call("bid_btc", "view"))["BTCUSDT"]["position"]) == Decimal("0.002")
        summaries = await farm.stop_trading()
    assert summaries["bid_btc"]["state"] == "stopped" and summaries["bid_btc"]["strategy"]["open_orders"] == 0


async def _bid_or_fill(farm: Farm):
    view = (await farm.call("bid_btc", "view"))["BTCUSDT"]
    return view if view["quote_bid"] or view["fills"] else None


async def _filled(farm: Farm) -> bool:
    return (await farm.call("bid_btc", "view"))["BTCUSDT"]["fills"] >= 1


