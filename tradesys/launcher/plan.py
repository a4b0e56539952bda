"""Which actors a configuration asks for.

Today the plan holds the Recorder; the venue services (market server,
trading engine, position server per venue) and strategy kinds register here
as they are built, each as one ``ActorSpec`` with its settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradesys.actors.recorder import Recorder, RecorderSettings
from tradesys.config import AppConfig, ConfigError

# Strategy kind -> actor class. Filled in as strategies are built.
STRATEGY_KINDS: dict[str, type] = {}


@dataclass(frozen=True)
class ActorSpec:
    name: str
    cls: type
    args: tuple = ()


def build_plan(app: AppConfig) -> list[ActorSpec]:
    """Return the actors to create, in start order; ConfigError if the config names something unknown."""
    specs: list[ActorSpec] = []
    if app.recording.enabled:
        rec = app.recording
        specs.append(ActorSpec("recorder", Recorder, (RecorderSettings(
            topics=tuple(rec.topics), directory=rec.directory, max_batch_rows=rec.max_batch_rows,
            max_batch_seconds=rec.max_batch_seconds),)))
    for strategy_id, strategy in app.strategy.items():
        if not strategy.enabled:
            continue
        if strategy.kind not in STRATEGY_KINDS:
            raise ConfigError(f"strategy.{strategy_id}.kind", f"unknown strategy kind {strategy.kind!r}; "
                                                              f"available: {', '.join(STRATEGY_KINDS) or 'none yet'}")
        specs.append(ActorSpec(strategy_id, STRATEGY_KINDS[strategy.kind], (strategy,)))
    if not specs:
        raise ConfigError("recording.enabled", "nothing to run: recording is off and no strategy is configured")
    return specs
