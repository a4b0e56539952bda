"""Where each actor runs on a Ray cluster (``cluster.placement``), decided before any actor is made.

A rule names node labels (``ray start --labels role=strategies``) and/or a custom resource (``ray start
--resources '{"strategy_host": 1}'``; each actor asks ``RESOURCE_SHARE`` of it, so the resource marks
nodes, it does not count actors). Every rule is checked against the live nodes first: a rule that no node
meets fails the start at once, naming the actor and what is missing, where Ray would wait for such a node
forever. Then each actor is pinned to a node that meets its rule:

- a venue's services (budget, market server, engine, position server) together on one node
  (``colocate_services``, the default), the venues taken round-robin over the nodes their rules allow;
- a strategy config's instances round-robin over the nodes its rule allows (``spread``), or all on one;
- the simulator and the recorder on the first node their rule allows.

Pins are hard: Ray's soft node affinity was seen to put a third of the actors elsewhere (the head
among them) on a three-node cluster with every node idle. An actor whose process dies is restarted on
its node; one whose node is gone cannot be, and is given a node again by the launcher (its rule, labels
and resource, is asked for beside the pin, so Ray keeps it among the nodes it may use).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from tradesys.config import AppConfig
from tradesys.config.schema import PlacementConfig

RESOURCE_SHARE = 0.001
SERVICE_KINDS = frozenset({"budget", "market", "engine", "positions"})


class PlacementError(Exception):
    """An actor that no live node may run: the message names the actor, the rule and what is missing."""


@dataclass(frozen=True)
class Node:
    node_id: str
    address: str
    labels: dict[str, str] = field(default_factory=dict)
    resources: dict[str, float] = field(default_factory=dict)

    def lacks(self, rule: PlacementConfig) -> list[str]:
        """What this node misses of ``rule`` (empty: it may run the actor)."""
        missing = [f"label {key}={value}" for key, value in rule.labels.items() if self.labels.get(key) != value]
        if rule.resource and self.resources.get(rule.resource, 0.0) < RESOURCE_SHARE:
            missing.append(f"resource {rule.resource}")
        return missing

    def describe(self) -> str:
        mine = [f"{k}={v}" for k, v in sorted(self.labels.items()) if not k.startswith("ray.io/")]
        custom = [k for k in sorted(self.resources) if k not in ("CPU", "GPU", "memory", "object_store_memory")
                  and not k.startswith(("node:", "accelerator_type:"))]
        return f"{self.address} (labels: {', '.join(mine) or 'none'}; resources: {', '.join(custom) or 'none'})"


def live_nodes(table: list[dict]) -> list[Node]:
    """The live nodes of ``ray.nodes()``, in a stable order (by address, then id)."""
    nodes = [Node(row["NodeID"], row["NodeManagerAddress"], dict(row.get("Labels") or {}),
                  dict(row.get("Resources") or {})) for row in table if row.get("Alive")]
    return sorted(nodes, key=lambda node: (node.address, node.node_id))


def rule_of(spec, app: AppConfig) -> tuple[str, PlacementConfig]:
    """The config key and the rule that place ``spec`` (an ``ActorSpec``)."""
    placement = app.cluster.placement
    if spec.kind in SERVICE_KINDS:
        own = app.exchange[spec.venue].placement
        return (f"exchange.{spec.venue}.placement", own) if _given(own) else ("cluster.placement.services",
                                                                               placement.services)
    if spec.kind == "strategy":
        own = app.strategy[spec.config_key].placement
        return (f"strategy.{spec.config_key}.placement", own) if _given(own) else ("cluster.placement.strategies",
                                                                                    placement.strategies)
    if spec.kind == "simulator":
        return "cluster.placement.simulator", placement.simulator
    return "cluster.placement.recorder", placement.recorder


def _given(rule: PlacementConfig) -> bool:
    return bool(rule.labels or rule.resource)


def place(plan: list, app: AppConfig, nodes: list[Node]) -> dict[str, dict]:
    """Ray options (pin, labels, resource) for every actor of ``plan``; PlacementError when a rule fits no
    live node."""
    if not nodes:
        raise PlacementError("the Ray cluster has no live node")
    allowed: dict[str, list[Node]] = {}
    for spec in plan:
        key, rule = rule_of(spec, app)
        fits = [node for node in nodes if not node.lacks(rule)]
        if not fits:
            raise PlacementError(_no_node(spec.name, key, rule, nodes))
        allowed[spec.name] = fits
    pins: dict[str, Node] = {}
    venues = list(dict.fromkeys(spec.venue for spec in plan if spec.kind in SERVICE_KINDS))
    groups: dict[str, int] = {}     # strategy config -> how many of its instances are pinned so far
    configs = list(dict.fromkeys(spec.config_key for spec in plan if spec.kind == "strategy"))
    for spec in plan:
        fits = allowed[spec.name]
        if spec.kind in SERVICE_KINDS and app.cluster.placement.colocate_services:
            # Every service of the venue on its first one's node, when that node is allowed for them all.
            first = next((pins[s.name] for s in plan if s.venue == spec.venue and s.name in pins
                          and s.kind in SERVICE_KINDS), None)
            pins[spec.name] = first if first in fits else fits[venues.index(spec.venue) % len(fits)]
        elif spec.kind == "strategy":
            n = groups.get(spec.config_key, 0)
            groups[spec.config_key] = n + 1
            spread = app.strategy[spec.config_key].spread
            pins[spec.name] = fits[(n if spread else configs.index(spec.config_key)) % len(fits)]
        else:
            pins[spec.name] = fits[0]
    return {spec.name: _options(rule_of(spec, app)[1], pins[spec.name]) for spec in plan}


def place_again(spec, plan: list, app: AppConfig, nodes: list[Node], where: dict[str, str]) -> dict:
    """Ray options for ``spec`` (an ``ActorSpec``) whose node was lost: beside the venue's services that
    still run (colocation), else on the allowed node that runs the fewest of the farm's actors. ``where``:
    actor name -> the address of the node it runs on, for the actors still running. PlacementError when no
    live node may run it, and for a simulator: it is its venue (the market, the accounts), which does not
    come back elsewhere; its venue halts."""
    if spec.kind == "simulator":
        raise PlacementError(f"{spec.name} is its venue's market and accounts: it is not made again on another "
                             f"node")
    key, rule = rule_of(spec, app)
    fits = [node for node in nodes if not node.lacks(rule)]
    if not fits:
        raise PlacementError(_no_node(spec.name, key, rule, nodes))
    if spec.kind in SERVICE_KINDS and app.cluster.placement.colocate_services:
        peers = {where[s.name] for s in plan if s.kind in SERVICE_KINDS and s.venue == spec.venue
                 and s.name != spec.name and s.name in where}
        beside = [node for node in fits if node.address in peers]
        if beside:
            return _options(rule, beside[0])
    load = {node.address: 0 for node in fits}
    for address in where.values():
        if address in load:
            load[address] += 1
    return _options(rule, min(fits, key=lambda node: load[node.address]))


def _options(rule: PlacementConfig, node: Node) -> dict:
    options: dict = {"scheduling_strategy": NodeAffinitySchedulingStrategy(node.node_id, soft=False)}
    if rule.labels:
        options["label_selector"] = dict(rule.labels)
    if rule.resource:
        options["resources"] = {rule.resource: RESOURCE_SHARE}
    return options


def _no_node(actor: str, key: str, rule: PlacementConfig, nodes: list[Node]) -> str:
    wanted = ", ".join([f"label {k}={v}" for k, v in rule.labels.items()]
                       + ([f"resource {rule.resource}"] if rule.resource else []))
    seen = "; ".join(node.describe() for node in nodes)
    return (f"actor {actor} cannot be placed: no live node has {wanted} ({key}); the nodes: {seen}. Start a "
            f"node with it (ray start --labels / --resources, docs/deploy.md) or change {key}")
