"""Compose the configuration from conf/ outside of ``@hydra.main``: for the start-up check and tests.

``run.py`` calls ``check(overrides)`` before handing over to Hydra, so a bad
value stops the start with one line (Hydra's own report spans several) and
before Hydra creates a run directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from tradesys.config.errors import ConfigError, flatten
from tradesys.config.schema import AppConfig, register
from tradesys.config.validate import validate

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
CONFIG_NAME = "config"


def compose_config(overrides: list[str], conf_dir: Path = CONF_DIR) -> DictConfig:
    """Compose conf/config.yaml with Hydra overrides; raises ConfigError (one line) on any problem."""
    register()
    try:
        with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3", job_name="tradesys"):
            return compose(config_name=CONFIG_NAME, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise one_line(exc) from None


def load(overrides: list[str], conf_dir: Path = CONF_DIR) -> tuple[DictConfig, AppConfig]:
    """Compose and validate; return the raw config (secrets unresolved) and the typed one."""
    cfg = compose_config(overrides, conf_dir)
    return cfg, validate(cfg)


def one_line(exc: BaseException) -> ConfigError:
    """Turn a Hydra/OmegaConf error into a ConfigError whose message is one line."""
    cause = exc.__cause__ if isinstance(exc.__cause__, OmegaConfBaseException) else exc
    if isinstance(exc, MissingConfigException) or "Could not find" in str(exc):
        return _missing_option(str(exc))
    key = getattr(cause, "full_key", None)
    if isinstance(cause, (ConfigKeyError, ConfigAttributeError)) and key:
        schema = getattr(cause, "object_type", None)
        allowed = getattr(schema, "__dataclass_fields__", None)
        takes = f"; {schema.__name__} takes {', '.join(sorted(allowed))}" if allowed else ""
        return ConfigError(key, f"unknown key{takes}")
    if key:
        return ConfigError(key, flatten(getattr(cause, "msg", None) or str(cause)))
    return ConfigError("", flatten(str(exc)))


def _missing_option(text: str) -> ConfigError:
    found = re.search(r"Could not find '([^/']+)/([^']+)'", text)
    options = re.findall(r"^\t(\S+)$", text.split("Config search path")[0], flags=re.M)
    if not found:
        return ConfigError("", flatten(text.split("Config search path")[0]))
    group, name = found.groups()
    return ConfigError(group, f"no option {name!r}; available: {', '.join(options) or 'none'}")
