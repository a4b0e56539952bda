"""The kill switch: one state per holder (an engine, a strategy), moved by RiskCommands.

Tiers, from mildest: ``HALT`` (no new orders; cancels pass), ``REDUCE_ONLY``
(only orders that bring a position toward zero), ``FLATTEN`` (cancel
everything, close positions, then stay halted). ``RESUME`` returns to
``NORMAL``. A command names a venue and a strategy (empty: all); a holder
applies those that reach it. Every change is kept with its reason, so the
summary and the status screen can say why trading stopped.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

from tradesys.messages import RiskAction, RiskCommand


class Mode(enum.IntEnum):
    NORMAL = 0
    HALT = 1
    REDUCE_ONLY = 2
    FLATTEN = 3


_MODE_OF = {RiskAction.RISK_ACTION_HALT: Mode.HALT, RiskAction.RISK_ACTION_REDUCE_ONLY: Mode.REDUCE_ONLY,
            RiskAction.RISK_ACTION_FLATTEN: Mode.FLATTEN, RiskAction.RISK_ACTION_RESUME: Mode.NORMAL}


@dataclass
class KillSwitch:
    venue: str
    strategy_id: str = ""          # empty: the holder serves every strategy (an engine)
    mode: Mode = Mode.NORMAL
    reason: str = ""
    history: list[dict] = field(default_factory=list)

    def reaches(self, command: RiskCommand) -> bool:
        """Whether ``command`` is addressed to this holder."""
        if command.venue and command.venue not in ("all", self.venue):
            return False
        return not command.strategy_id or not self.strategy_id or command.strategy_id == self.strategy_id

    def apply(self, command: RiskCommand) -> Mode | None:
        """Apply a command; return the new mode when it changed anything, None otherwise."""
        if not self.reaches(command) or command.action not in _MODE_OF:
            return None
        new = _MODE_OF[command.action]
        if command.strategy_id and not self.strategy_id:
            # A command for one strategy does not stop the engine for everyone: that strategy applies it.
            return None
        if new == self.mode and (new is Mode.NORMAL or command.reason == self.reason):
            return None
        # The same tier for another reason is recorded too: the reason in force is the latest, so a trigger that
        # lifts only its own halt (the stale-book trigger) does not lift one that came on top of it.
        self.mode = new
        self.reason = command.reason
        self.history.append({"ts": time.time(), "mode": new.name.lower(), "reason": command.reason,
                             "issued_by": command.issued_by, "strategy_id": command.strategy_id})
        return new

    @property
    def allows_new_orders(self) -> bool:
        return self.mode is Mode.NORMAL

    @property
    def reduce_only(self) -> bool:
        return self.mode in (Mode.REDUCE_ONLY, Mode.FLATTEN)


def command(action: int, reason: str, *, venue: str = "", strategy_id: str = "", issued_by: str = "") -> RiskCommand:
    """A RiskCommand ready to publish on ``risk.<venue>``."""
    return RiskCommand(action=action, venue=venue, strategy_id=strategy_id, reason=reason, issued_by=issued_by)
