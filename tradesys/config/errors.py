"""Configuration errors.

    ConfigError   one problem, named by its key; str() is the one line a user sees
"""

import re


class ConfigError(ValueError):
    """A configuration value that cannot be used. ``key`` is its dotted path."""

    def __init__(self, key: str, problem: str):
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}" if key else problem)


def flatten(text: str) -> str:
    """Make one line of a Hydra/OmegaConf message, dropping the key lines OmegaConf appends."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not re.match(r"^(full_key|reference_type|object_type)[:=]", line)]
    return "; ".join(lines)
