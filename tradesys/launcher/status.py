"""The live status of every actor: heartbeats from the bus, state from the control plane."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tradesys.messages import ActorState, Heartbeat

_STYLE = {"running": "green", "starting": "yellow", "degraded": "yellow", "stopping": "yellow",
          "stopped": "dim", "failed": "bold red", "missing": "bold red", "dead": "bold red"}


@dataclass
class ActorRow:
    name: str
    state: str = "starting"
    detail: str = ""
    counters: dict[str, int] = field(default_factory=dict)
    last_heartbeat: float = 0.0     # monotonic seconds, local
    heartbeats: int = 0
    rate: float = 0.0               # messages per second between the last two heartbeats
    node: str = ""                  # the address of the node it runs on (a restart may move it)
    _prev: tuple[float, int] | None = None


class StatusBoard:
    """Keeps one row per actor; an actor with no heartbeat for ``missing_after`` intervals is 'missing'."""

    def __init__(self, names: list[str], heartbeat_seconds: float, missing_after: float,
                 venues: list[str] | None = None):
        self.rows = {name: ActorRow(name) for name in names}
        self.venues: dict[str, str] = dict.fromkeys(venues or (), "")   # venue key -> why it is down ("" up)
        self.heartbeat_seconds = heartbeat_seconds
        self.missing_after = missing_after
        self.started = time.monotonic()
        # strategy actor -> symbol -> its view (touch, quotes, position, PnL), from its status() call
        self.views: dict[str, dict[str, dict]] = {}
        # strategy actor -> histogram name -> Prometheus buckets, from its status() call
        self.latency: dict[str, dict[str, dict]] = {}

    def on_heartbeat(self, beat: Heartbeat) -> None:
        row = self.rows.get(beat.actor)
        if row is None:
            return
        now = time.monotonic()
        row.state = ActorState.Name(beat.state).removeprefix("ACTOR_STATE_").lower()
        row.detail = beat.detail
        row.counters = dict(beat.counters)
        messages = row.counters.get("messages", row.counters.get("published", 0))
        if row._prev is not None and now > row._prev[0]:
            row.rate = (messages - row._prev[1]) / (now - row._prev[0])
        row._prev = (now, messages)
        row.last_heartbeat = now
        row.heartbeats += 1

    def mark_dead(self, name: str, why: str) -> None:
        self.rows[name].state = "dead"
        self.rows[name].detail = why

    def venue_down(self, venue: str, reason: str) -> None:
        self.venues[venue] = reason

    def venue_line(self) -> str:
        """Every venue's state in one line ("binance up, deribit DOWN (why)")."""
        return ", ".join(f"{v} DOWN ({why})" if why else f"{v} up" for v, why in self.venues.items())

    def effective_state(self, row: ActorRow, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        if row.state in ("dead", "failed", "stopped"):
            return row.state
        seen = row.last_heartbeat or self.started
        if now - seen > self.missing_after * self.heartbeat_seconds:
            return "missing"
        return row.state

    def set_node(self, name: str, node: str | None) -> None:
        if node and name in self.rows:
            self.rows[name].node = node

    def set_view(self, name: str, view: dict | None, latency: dict | None = None) -> None:
        if view:
            self.views[name] = view
        if latency:
            self.latency[name] = latency

    def render(self, title: str):
        parts = [self.render_actors(title)]
        if any(self.venues.values()):
            parts.insert(0, Text(f"venues: {self.venue_line()}", style="bold red"))
        if self.views:
            parts.append(self.render_strategies())
        return parts[0] if len(parts) == 1 else Group(*parts)

    def render_strategies(self) -> Table:
        table = Table(title="strategies", title_justify="left", expand=False)
        for column, justify in (("strategy", "left"), ("symbol", "left"), ("bid", "right"), ("ask", "right"),
                                ("our bid", "right"), ("our ask", "right"), ("position", "right"),
                                ("fills", "right"), ("realised", "right"), ("unrealised", "right"),
                                ("fees", "right"), ("kill switch", "left")):
            table.add_column(column, justify=justify)
        for name, symbols in self.views.items():
            for symbol, v in symbols.items():
                mode = v.get("mode", "")
                table.add_row(name, symbol, v.get("bid", ""), v.get("ask", ""), v.get("quote_bid", ""),
                              v.get("quote_ask", ""), v.get("position", ""), str(v.get("fills", 0)),
                              _money(v, "realized"), _money(v, "unrealized"), _money(v, "fees"),
                              Text(mode, style="green" if mode == "normal" else "bold red"))
        return table

    def strategy_lines(self) -> list[str]:
        return [f"{name} {symbol}: book {v['bid']}/{v['ask']} quotes {v['quote_bid'] or '-'}/{v['quote_ask'] or '-'} "
                f"position={v['position']} fills={v['fills']} realised={_money(v, 'realized')} "
                f"unrealised={_money(v, 'unrealized')} fees={_money(v, 'fees')} kill_switch={v['mode']}"
                for name, symbols in self.views.items() for symbol, v in symbols.items()]

    def render_actors(self, title: str) -> Table:
        table = Table(title=title, title_justify="left", expand=False)
        for column, justify in (("actor", "left"), ("node", "left"), ("state", "left"), ("msgs/s", "right"),
                                ("messages", "right"),
                                ("gaps", "right"), ("malformed", "right"), ("errors", "right"),
                                ("last hb", "right"), ("detail", "left")):
            table.add_column(column, justify=justify)
        now = time.monotonic()
        for row in self.rows.values():
            state = self.effective_state(row, now)
            age = f"{now - row.last_heartbeat:.1f}s" if row.last_heartbeat else "-"
            c = row.counters
            table.add_row(row.name, row.node or "-", Text(state, style=_STYLE.get(state, "")), f"{row.rate:,.0f}",
                          f"{c.get('messages', 0):,}", str(c.get("gaps", 0)), str(c.get("malformed", 0)),
                          str(c.get("errors", 0)), age, _detail(row)[:80])
        return table

    def lines(self) -> list[str]:
        now = time.monotonic()
        out = []
        for row in self.rows.values():
            c = row.counters
            age = f"{now - row.last_heartbeat:.1f}s" if row.last_heartbeat else "never"
            detail = _detail(row)
            out.append(f"{row.name}: {self.effective_state(row, now)} node={row.node or '-'} msgs/s={row.rate:.0f} "
                       f"messages={c.get('messages', 0)} gaps={c.get('gaps', 0)} malformed={c.get('malformed', 0)} "
                       f"errors={c.get('errors', 0)} last_hb={age}" + (f" detail={detail}" if detail else ""))
        venues = [f"venues: {self.venue_line()}"] if self.venues else []
        return venues + out + self.strategy_lines()


def _detail(row: ActorRow) -> str:
    """The row's detail, led by the circuit breakers that are open (``breaker_<family>_open`` counters)."""
    open_ = [name[len("breaker_"):-len("_open")] for name, value in row.counters.items()
             if value and name.startswith("breaker_") and name.endswith("_open")]
    breakers = f"circuit open: {', '.join(open_)}" if open_ else ""
    return "; ".join(part for part in (breakers, row.detail) if part)


def _money(view: dict, key: str) -> str:
    """An amount with its currency when the strategy names it ("0.00001234 BTC")."""
    value, currency = view.get(key, ""), view.get("currency", "")
    return f"{value} {currency}" if value and currency else value
