"""Configuration: Hydra tree in conf/, dataclass schemas, start-up validation."""

from tradesys.config.errors import ConfigError
from tradesys.config.load import CONF_DIR, compose_config, load, one_line
from tradesys.config.schema import (
    AppConfig,
    ClusterConfig,
    Display,
    Endpoint,
    RecordingConfig,
    RiskConfig,
    StatusConfig,
    StrategyConfig,
    VenueConfig,
    register,
)
from tradesys.config.validate import parse_duration, validate

__all__ = ["AppConfig", "CONF_DIR", "ClusterConfig", "ConfigError", "Display", "Endpoint", "RecordingConfig",
           "RiskConfig", "StatusConfig", "StrategyConfig", "VenueConfig", "compose_config", "load", "one_line",
           "parse_duration", "register", "validate"]
