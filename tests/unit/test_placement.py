"""Placement by config (tradesys/launcher/placement.py): each actor pinned to a node its rule allows, a
venue's services together, a strategy's instances spread or packed; a rule no node meets named at once."""

from __future__ import annotations

import pytest

from tradesys.config.load import load
from tradesys.launcher.placement import RESOURCE_SHARE, PlacementError, live_nodes, place, place_again
from tradesys.launcher.plan import build_plan

HEAD = {"NodeID": "a" * 56, "NodeManagerAddress": "10.9.0.1", "Alive": True,
        "Labels": {"ray.io/node-id": "a" * 56, "role": "venues"}, "Resources": {"CPU": 2.0, "venue_host": 1.0}}
WORKER_1 = {"NodeID": "b" * 56, "NodeManagerAddress": "10.9.0.2", "Alive": True,
            "Labels": {"role": "strategies"}, "Resources": {"CPU": 2.0, "strategy_host": 1.0}}
WORKER_2 = {"NodeID": "c" * 56, "NodeManagerAddress": "10.9.0.3", "Alive": True,
            "Labels": {"role": "strategies"}, "Resources": {"CPU": 2.0, "strategy_host": 1.0}}
DEAD = {"NodeID": "d" * 56, "NodeManagerAddress": "10.9.0.4", "Alive": False,
        "Labels": {"role": "venues"}, "Resources": {"venue_host": 1.0}}
NODES = live_nodes([WORKER_2, DEAD, HEAD, WORKER_1])


def placed(*overrides: str) -> dict[str, dict]:
    _, app = load(["exchange=[binance,deribit]", *overrides])
    return place(build_plan(app), app, NODES)


def node_of(options: dict) -> str:
    return {n.node_id: n.address for n in NODES}[options["scheduling_strategy"].node_id]


def test_live_nodes_leave_out_the_dead_and_sort_by_address():
    assert [n.address for n in NODES] == ["10.9.0.1", "10.9.0.2", "10.9.0.3"]


def test_by_default_each_venues_services_share_a_node_and_the_pins_are_hard():
    options = placed()
    for venue in ("binance", "deribit"):
        nodes = {node_of(options[f"{kind}-{venue}"]) for kind in ("budget", "market", "engine", "positions")}
        assert len(nodes) == 1, (venue, nodes)
    assert node_of(options["market-binance"]) != node_of(options["market-deribit"])   # venues round-robin
    assert not any(o["scheduling_strategy"].soft for o in options.values())
    assert not any("label_selector" in o or "resources" in o for o in options.values())


def test_rules_by_label_and_resource_keep_venues_and_strategies_apart_and_spread_instances():
    options = placed("+cluster.placement.services.labels.role=venues",
                     "cluster.placement.simulator.resource=venue_host",
                     "cluster.placement.strategies.resource=strategy_host", "strategy.mm_btc.instances=4",
                     "strategy.mm_btc.spread=true")
    for venue in ("binance", "deribit"):
        assert node_of(options[f"engine-{venue}"]) == "10.9.0.1"
        assert options[f"engine-{venue}"]["label_selector"] == {"role": "venues"}
    assert node_of(options["sim-binance"]) == "10.9.0.1"
    assert options["sim-binance"]["resources"] == {"venue_host": RESOURCE_SHARE}
    assert [node_of(options[f"mm_btc_{n}"]) for n in range(1, 5)] == ["10.9.0.2", "10.9.0.3"] * 2
    assert options["mm_btc_1"]["resources"] == {"strategy_host": RESOURCE_SHARE}


def test_packed_instances_share_one_node_and_a_strategys_own_rule_wins():
    options = placed("cluster.placement.strategies.resource=strategy_host", "strategy.mm_btc.instances=3",
                     "strategy.mm_eth.placement.resource=venue_host")
    assert len({node_of(options[f"mm_btc_{n}"]) for n in range(1, 4)}) == 1
    assert node_of(options["mm_eth"]) == "10.9.0.1" and options["mm_eth"]["resources"] == {
        "venue_host": RESOURCE_SHARE}


def test_one_venues_own_rule_moves_its_services_only():
    options = placed("+exchange.deribit.placement.labels.role=strategies")
    assert {node_of(options[f"{k}-deribit"]) for k in ("market", "engine")} <= {"10.9.0.2", "10.9.0.3"}
    assert "label_selector" not in options["engine-binance"]


def test_without_colocation_services_go_to_the_first_node_they_may_use():
    options = placed("cluster.placement.colocate_services=false", "cluster.placement.services.resource=strategy_host")
    assert {node_of(options[f"{k}-deribit"]) for k in ("market", "engine", "positions")} == {"10.9.0.2"}


@pytest.mark.parametrize("override,missing,key", [
    ("+cluster.placement.strategies.labels.role=gpu", "label role=gpu", "cluster.placement.strategies"),
    ("strategy.mm_btc.placement.resource=nowhere", "resource nowhere", "strategy.mm_btc.placement"),
    ("exchange.binance.placement.resource=nowhere", "resource nowhere", "exchange.binance.placement"),
])
def test_a_rule_no_live_node_meets_names_the_actor_what_is_missing_and_the_nodes(override, missing, key):
    with pytest.raises(PlacementError) as caught:
        placed(override)
    message = str(caught.value)
    assert message.startswith("actor ") and "cannot be placed: no live node has " + missing in message
    assert f"({key})" in message and f"change {key}" in message
    # The nodes as they are, so the operator sees what the cluster offers (the dead one is not offered).
    assert "10.9.0.2 (labels: role=strategies; resources: strategy_host)" in message and "10.9.0.4" not in message


def test_a_cluster_without_live_nodes_is_an_error_not_a_wait():
    _, app = load([])
    with pytest.raises(PlacementError, match="no live node"):
        place(build_plan(app), app, live_nodes([DEAD]))


def test_an_actor_whose_node_was_lost_goes_beside_its_venues_services_or_to_the_least_loaded_node():
    _, app = load(["exchange=[binance,deribit]", "cluster.placement.strategies.resource=strategy_host",
                   "strategy.mm_btc.instances=3"])
    plan = {spec.name: spec for spec in build_plan(app)}
    survivors = [n for n in NODES if n.address != "10.9.0.2"]        # worker 1 is gone
    where = {"mm_btc_1": "10.9.0.3", "mm_eth": "10.9.0.3", "market-binance": "10.9.0.1",
             "engine-binance": "10.9.0.1"}
    # A strategy: the one worker left that offers its resource.
    assert node_of(place_again(plan["mm_btc_2"], list(plan.values()), app, survivors, where)) == "10.9.0.3"
    # A service: beside its venue's services that still run.
    assert node_of(place_again(plan["positions-binance"], list(plan.values()), app, survivors, where)) == \
        "10.9.0.1"
    # No live node for its rule: said, not waited for.
    with pytest.raises(PlacementError, match="actor mm_btc_2 cannot be placed: no live node has resource "
                                             "strategy_host"):
        place_again(plan["mm_btc_2"], list(plan.values()), app, [n for n in survivors if n.address == "10.9.0.1"],
                    where)


def test_a_service_whose_venue_lost_every_node_goes_to_the_least_loaded_allowed_node():
    _, app = load(["exchange=[binance]"])
    plan = build_plan(app)
    spec = next(s for s in plan if s.name == "engine-binance")
    where = {"mm_btc": "10.9.0.1", "mm_eth": "10.9.0.1", "recorder": "10.9.0.3"}
    assert node_of(place_again(spec, plan, app, NODES, where)) == "10.9.0.2"


def test_a_simulator_whose_node_was_lost_is_not_made_again_it_is_its_venue():
    _, app = load(["exchange=[binance]"])
    plan = build_plan(app)
    spec = next(s for s in plan if s.kind == "simulator")
    with pytest.raises(PlacementError, match=f"{spec.name} is its venue's market and accounts: it is not made "
                                             f"again on another node"):
        place_again(spec, plan, app, NODES, {})
