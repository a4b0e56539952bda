"""Each simulator's route modules reach the simulator only through its declared interface (``venue.py``),
and the simulator implements every member of it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "exchanges"
# venue -> (its interface, its simulator class)
VENUES = {"binance": ("BinanceVenue", "BinanceSimulator"), "deribit": ("DeribitVenue", "DeribitSimulator"),
          "grvt": ("GrvtVenue", "GrvtSimulator")}
NOT_ROUTES = {"__init__.py", "server.py", "venue.py", "catalog.py"}


def members(protocol: type) -> set[str]:
    names = set()
    for klass in protocol.__mro__:
        if klass is object or klass.__name__ in ("Protocol", "Generic"):
            continue
        names |= set(getattr(klass, "__annotations__", {}))
        names |= {n for n, v in vars(klass).items() if callable(v) and not n.startswith("_")}
    return names


def reached(path: Path) -> dict[str, int]:
    """Attribute names the module reads off the simulator (``sim.x``, ``self.sim.x``, ``call.sim.x``), with the
    line of the first."""
    out: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        is_sim = (isinstance(value, ast.Name) and value.id == "sim") or \
                 (isinstance(value, ast.Attribute) and value.attr == "sim")
        if is_sim:
            out.setdefault(node.attr, node.lineno)
    return out


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_route_modules_use_only_the_declared_interface(venue):
    protocol_name, _ = VENUES[venue]
    protocol = getattr(importlib.import_module(f"exchanges.{venue}.simulator.venue"), protocol_name)
    declared = members(protocol)
    outside = []
    modules = [p for p in sorted((ROOT / venue / "simulator").glob("*.py")) if p.name not in NOT_ROUTES]
    assert len(modules) >= 5
    for path in modules:
        for name, line in reached(path).items():
            if name not in declared:
                outside.append(f"{path.name}:{line} sim.{name}")
    assert not outside, f"{protocol_name} does not declare what these use: {outside}"


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_the_simulator_implements_its_interface(venue):
    protocol_name, server_name = VENUES[venue]
    protocol = getattr(importlib.import_module(f"exchanges.{venue}.simulator.venue"), protocol_name)
    simulator = getattr(importlib.import_module(f"exchanges.{venue}.simulator"), server_name)()
    missing = sorted(name for name in members(protocol) if not hasattr(simulator, name))
    assert not missing, f"{server_name} lacks {missing}"


def test_the_check_sees_an_undeclared_use(tmp_path):
    module = tmp_path / "route.py"
    module.write_text("def f(sim, call):\n    return sim.exchange, call.sim.secret_thing\n")
    assert reached(module) == {"exchange": 2, "secret_thing": 2}
