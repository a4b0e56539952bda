"""Checks a composed configuration beyond what Hydra's type checks catch, and types it.

Every failure is a ConfigError naming the key; no message ever includes the
value of a secret.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from tradesys.config.errors import ConfigError, flatten
from tradesys.config.schema import SECRET_FIELDS, AppConfig, Endpoint, Mode

_ENV_REFERENCE = re.compile(r"^\$\{oc\.env:[A-Za-z_][A-Za-z0-9_]*(,[^}]*)?\}$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
# Names become parts of bus topics and actor names: keep them dot- and space-free.
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


EXCHANGE_DIR = Path(__file__).resolve().parents[2] / "conf" / "exchange"


def validate(cfg: DictConfig) -> AppConfig:
    """Check ``cfg`` and return it as typed dataclasses (secrets resolved from the environment).

    Raises ConfigError for the first problem found.
    """
    _type_exchanges(cfg)
    _check_keys(cfg, "")
    _check_secret_sources(OmegaConf.to_container(cfg, resolve=False), "")
    try:
        app = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as exc:
        raise ConfigError(getattr(exc, "full_key", "") or "", flatten(getattr(exc, "msg", None) or str(exc))) from None
    _check_ranges(app, "")
    _check_names(app)
    _check_live(app)
    _check_backtest(app)
    if app.duration is not None:
        parse_duration(app.duration)
    return app


def _type_exchanges(cfg: DictConfig) -> None:
    """Each ``exchange.<name>`` as its venue's config class (``VenueSpec.config``): a key of another venue,
    or a value of the wrong type, is an error naming the key."""
    from tradesys.venue.registry import venue_config  # the registry imports this package's schema

    for name, node in list(cfg.exchange.items_ex(resolve=False)):
        if not isinstance(node, DictConfig):
            raise ConfigError(f"exchange.{name}", "a venue config is a mapping of keys")
        schema = venue_config(str(node.get("venue", "binance")))
        try:
            cfg.exchange[name] = OmegaConf.merge(OmegaConf.structured(schema), node)
        except ConfigKeyError as exc:
            takes = ", ".join(sorted(f.name for f in dataclasses.fields(schema)))
            raise ConfigError(f"exchange.{name}.{exc.full_key}", f"unknown key; {schema.__name__} takes {takes}") \
                from None
        except OmegaConfBaseException as exc:
            raise ConfigError(f"exchange.{name}.{exc.full_key}", flatten(getattr(exc, "msg", None) or str(exc))) \
                from None


def _check_keys(node: DictConfig, path: str) -> None:
    # Hydra rejects unknown keys unless they are added with '+', which opens the
    # struct; a key the schema does not have would then be dropped silently.
    schema = OmegaConf.get_type(node)
    if dataclasses.is_dataclass(schema):
        allowed = {f.name for f in dataclasses.fields(schema)}
        for key in node.keys():
            if key not in allowed:
                takes = ", ".join(sorted(allowed))
                raise ConfigError(_join(path, key), f"unknown key; {schema.__name__} takes {takes}")
    for key, child in node.items_ex(resolve=False):
        if isinstance(child, DictConfig):
            _check_keys(child, _join(path, key))


def _check_secret_sources(raw: object, path: str) -> None:
    if isinstance(raw, dict):
        for key, value in raw.items():
            where = _join(path, key)
            if key in SECRET_FIELDS and value is not None:
                if not (isinstance(value, str) and _ENV_REFERENCE.match(value)):
                    raise ConfigError(where, "secrets come from the environment only: set it to ${oc.env:VARIABLE} "
                                             "(the value given is not shown)")
            else:
                _check_secret_sources(value, where)
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            _check_secret_sources(value, _join(path, index))


def _check_ranges(obj: object, path: str) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            _check_ranges(value, _join(path, key))
        return
    if not dataclasses.is_dataclass(obj):
        return
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        where = _join(path, f.name)
        gt, ge, le = f.metadata.get("gt"), f.metadata.get("ge"), f.metadata.get("le")
        if value is None:  # an optional field left unset
            continue
        if gt is not None and not value > gt:
            raise ConfigError(where, f"must be > {gt:g}, got {value}")
        if ge is not None and not value >= ge:
            raise ConfigError(where, f"must be >= {ge:g}, got {value}")
        if le is not None and not value <= le:
            raise ConfigError(where, f"must be <= {le:g}, got {value}")
        _check_ranges(value, where)


def _check_names(app: AppConfig) -> None:
    for group, entries in (("exchange", app.exchange), ("strategy", app.strategy)):
        for name in entries:
            if not _NAME.match(name):
                raise ConfigError(f"{group}.{name}", "names may hold only letters, digits, '_' and '-'")
    for name, venue in app.exchange.items():
        for index, symbol in enumerate(venue.symbols):
            if not symbol or "." in symbol:
                raise ConfigError(f"exchange.{name}.symbols.{index}", f"{symbol!r} is not a symbol (no dots)")
    options = exchange_options()
    for name, strategy in app.strategy.items():
        # A strategy on a venue this run does not select is left out (the launcher says so); a venue no
        # config file names is a typo.
        if strategy.venue not in app.exchange and strategy.venue not in options:
            configured = ", ".join(app.exchange) or "none"
            raise ConfigError(f"strategy.{name}.venue",
                              f"{strategy.venue!r} is not a configured venue; configured: {configured}")


def exchange_options() -> set[str]:
    """The venues the ``exchange`` config group has a file for (conf/exchange/*.yaml)."""
    return {p.stem for p in EXCHANGE_DIR.glob("*.yaml")}


def _check_live(app: AppConfig) -> None:
    for name, venue in app.exchange.items():
        if venue.endpoint is Endpoint.live and not venue.confirm_live:
            raise ConfigError(f"exchange.{name}.endpoint",
                              f"live trades real money: also set exchange.{name}.confirm_live=true to start")


LATENCY_MODELS = ("constant", "recorded")
QUEUE_MODELS = ("prob", "risk_averse")


def _check_backtest(app: AppConfig) -> None:
    backtest = app.backtest
    if backtest.latency.model not in LATENCY_MODELS:
        raise ConfigError("backtest.latency.model", f"{backtest.latency.model!r}: one of {', '.join(LATENCY_MODELS)}")
    if backtest.queue.model not in QUEUE_MODELS:
        raise ConfigError("backtest.queue.model", f"{backtest.queue.model!r}: one of {', '.join(QUEUE_MODELS)}")
    if app.mode is not Mode.backtest:
        return
    if not backtest.recording:
        raise ConfigError("backtest.recording", "mode=backtest replays a recording: add recording=<run directory>")
    if not Path(backtest.recording).is_dir():
        raise ConfigError("backtest.recording", f"no recording at {backtest.recording} (not a directory)")


def parse_duration(text: str) -> float:
    """Return seconds for "250ms", "30s", "5m", "1h" or a bare number of seconds; ConfigError otherwise."""
    match = _DURATION.match(str(text).strip())
    if not match or float(match.group(1)) <= 0:
        raise ConfigError("duration", f"{text!r} is not a duration; use e.g. 30s, 5m, 1h")
    return float(match.group(1)) * _UNITS[match.group(2)]
