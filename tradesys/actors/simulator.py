"""A venue simulator as a Ray actor, started by the launcher for every venue with ``endpoint: sim``.

The actor serves the venue's real protocol (its registry ``SimulatorSpec``)
on the bus host and reports its URLs, and the other settings a client needs
(GRVT's chain id and sub-account), as endpoints, so the venue's services
connect to it exactly as they would to the venue. Credentials come from the
launcher (the venue's environment keys, or generated per run); they are
never part of the endpoints, which the launcher writes to actors.json.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tradesys import logs
from tradesys.actors.base import ActorBase
from tradesys.bus.sockets import node_address
from tradesys.venue.registry import get_simulator


@dataclass(frozen=True)
class SimulatorSettings:
    venue: str
    symbols: tuple[str, ...]
    seed: int
    api_key: str
    api_secret: str = field(repr=False)
    step_seconds: float = 0.1
    funding_interval_s: float | None = None
    # The venue's own simulator options from its config (e.g. GRVT's chain_id), as keyword arguments.
    options: tuple[tuple[str, object], ...] = ()
    control_host: str = "127.0.0.1"     # the fault switches' address ("auto": the node's, as for the bus)


class SimulatorActor(ActorBase):
    def __init__(self, name: str, settings: SimulatorSettings):
        super().__init__(name)
        self.settings = settings
        self.simulator = None

    async def on_start(self) -> dict[str, str]:
        spec = get_simulator(self.settings.venue)
        logs.register_secret(self.settings.api_secret)
        self.simulator = spec.server(
            symbols=self.settings.symbols, seed=self.settings.seed, step_seconds=self.settings.step_seconds,
            funding_interval_s=self.settings.funding_interval_s,
            credentials=spec.credentials(self.settings.api_key, self.settings.api_secret),
            **dict(self.settings.options))
        if self.restarted:
            # The venue came back after an outage, with a fresh account: on the addresses its clients already
            # have, and with ids they never saw (a venue does not reuse an order or trade id).
            self.simulator.serve_again_on(self._previous_ports())
            self.simulator.exchange.skip_ids(time.time_ns() // 1_000_000)
            self.simulator.keep_identity({role.removeprefix("sim "): value for role, value in self.previous.items()
                                          if role.startswith("sim ") and "://" not in value})
        self.simulator.control_host = node_address(self.settings.control_host)
        # The node's own address when the bus binds there ("auto" on a cluster), as the bus sockets do.
        urls = await self.simulator.start(node_address(self.context.bus_host), 0)
        return {f"sim {role}": value for role, value in {**urls, **self.simulator.client_settings}.items()}

    def _previous_ports(self) -> list[int]:
        """The ports of the last life's servers, each once, in the order they were bound."""
        ports = []
        for role, value in self.previous.items():
            if role.startswith("sim ") and "://" in value:
                port = urlsplit(value).port
                if port and port not in ports:
                    ports.append(port)
        return ports

    async def on_stop(self) -> None:
        if self.simulator is not None:
            await self.simulator.stop()

    def counters(self) -> dict[str, int]:
        if self.simulator is None:
            return {}
        return {**self.simulator.stats(), "lost_answers": self.simulator.faults.lost_answers,
                "open_orders": sum(len(e.resting) for e in self.simulator.exchange.engines.values())}

    def begin_replay(self) -> bool:
        """Start the simulator's held replay (a recorded stream it serves; sim_replay_held); False when it had
        started. A venue whose simulator does not replay: ValueError."""
        begin = getattr(self.simulator, "begin_replay", None)
        if begin is None:
            raise ValueError(f"the {self.settings.venue} simulator does not replay recorded streams")
        return begin()

    def account_state(self, account_id: str = "main") -> dict:
        """The venue's own record of one account, for tests and reconciliation checks: per symbol its fills
        (with client order ids), position, fees and realised PnL, the client order ids still open, and those of
        every order it keeps."""
        exchange = self.simulator.exchange
        account = exchange.account(account_id)
        out = {}
        for symbol in self.settings.symbols:
            instrument = exchange.instrument(symbol)
            client_ids = {o.order_id: self.simulator.client_id_of(o) for o in exchange.orders(account_id, symbol)}
            engine = exchange.engines[symbol]
            position = account.position(symbol)
            out[symbol] = {
                "fills": [{"trade_id": str(f.trade_id), "client_order_id": client_ids.get(f.order_id, ""),
                           "side": f.side.name.lower(), "price": instrument.price_text(f.price),
                           "quantity": instrument.qty_text(f.quantity), "fee": str(f.fee),
                           "realized_pnl": str(f.realized_pnl)} for f in exchange.fills(account_id, symbol)],
                "position": str(position.quantity), "fees": str(position.fees), "funding": str(position.funding),
                "realized_pnl": str(position.realized_pnl),
                "open": [self.simulator.client_id_of(o) for o in engine.resting.values() if o.account == account_id],
                # Every order the venue still keeps of the account: a client order id twice is a duplicate.
                "orders": list(client_ids.values())}
        return out
