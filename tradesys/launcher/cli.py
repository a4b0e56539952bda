"""The command line behind run.py: a one-line config check, then Hydra, then the Launcher."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from omegaconf import DictConfig

from tradesys import logs
from tradesys.bus.curve import CurveKeys
from tradesys.bus.keys import BusKeyError, load_keys
from tradesys.config import AppConfig, ConfigError, load, validate
from tradesys.config.schema import SECRET_FIELDS, BusSecurity, Mode
from tradesys.launcher.plan import build_plan, idle_strategies, strategy_settings, unserved_venues

EXIT_CONFIG = 2


def precheck(argv: list[str]) -> int:
    """Compose and validate the overrides in ``argv``; print one line and return 2 when they are bad.

    Arguments that are Hydra flags (``--help``, ``-m``, ``--cfg`` ...) skip the
    check and go to Hydra as they are.
    """
    if any(arg.startswith("-") for arg in argv):
        return 0
    try:
        _, app = load(argv)
        if app.mode is Mode.backtest:
            strategy_settings(app)
        else:
            build_plan(app)
        bus_keys(app)
    except ConfigError as exc:
        return config_error(exc)
    return 0


RECORDING_DIR = Path(__file__).resolve().parents[2] / "conf" / "recording"


def backtest_args(argv: list[str]) -> list[str]:
    """``recording=<dir>`` names the recording a backtest replays (``backtest.recording``) unless it names an
    option of the ``recording`` config group (default, off): the command line the docs show."""
    options = {p.stem for p in RECORDING_DIR.glob("*.yaml")}
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and key == "recording" and not set(value.split(",")) <= options:
            arg = f"backtest.recording={value}"
        out.append(arg)
    return out


def bus_keys(app: AppConfig) -> CurveKeys | None:
    """The bus's CURVE keys when ``cluster.bus_security`` is curve; ConfigError naming the fix when missing."""
    if app.cluster.bus_security is not BusSecurity.curve:
        return None
    try:
        keys = load_keys(app.cluster.bus_keys)
    except BusKeyError as exc:
        raise ConfigError("cluster.bus_keys", str(exc)) from None
    for secret in (keys.server_secret, keys.client_secret):
        logs.register_secret(secret.decode())
    return keys


def config_error(exc: ConfigError) -> int:
    print(f"config error: {exc}", file=sys.stderr)
    return EXIT_CONFIG


def run_job(cfg: DictConfig, run_dir: Path) -> int:
    """Validate ``cfg``, set up logging, run the launcher; return the exit code."""
    try:
        app = validate(cfg)
        if app.mode is Mode.backtest:
            return _backtest(app, Path(run_dir))
        plan = build_plan(app)
        keys = bus_keys(app)
    except ConfigError as exc:
        return config_error(exc)
    register_secrets(app)
    for name, missing in unserved_venues(app):
        print(f"note: exchange.{name}: {missing}; nothing serves it in this run", file=sys.stderr)
    idle = idle_strategies(app)
    if idle:
        names = ", ".join(f"{name} ({venue})" for name, venue in idle)
        print(f"note: not started, their venues are not selected (exchange=...): {names}", file=sys.stderr)
    for spec in plan:  # generated simulator credentials are secrets too
        for arg in spec.args:
            logs.register_secret(getattr(arg, "api_secret", None))
    # Warnings and errors also on the console, readable; the status screen carries the rest.
    logs.setup("launcher", run_dir, app.log_level.value, console=True, console_level="WARNING")
    from tradesys.launcher.launcher import Launcher  # imports Ray: only once the config is known good

    return asyncio.run(Launcher(app, plan, Path(run_dir), bus_keys=keys).run())


def _backtest(app: AppConfig, run_dir: Path) -> int:
    logs.setup("backtest", run_dir, app.log_level.value, console=True, console_level="WARNING")
    from tradesys.backtest.runner import run_backtest

    return run_backtest(app, run_dir)


def register_secrets(app: AppConfig) -> None:
    for venue in app.exchange.values():
        for name in SECRET_FIELDS:
            logs.register_secret(getattr(venue, name, None))


__all__ = ["backtest_args", "precheck", "run_job"]
