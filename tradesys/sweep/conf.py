"""The launcher's config node (``hydra/launcher: tradesys_ray``), apart from the launcher so that registering
it imports nothing heavy."""

from dataclasses import dataclass


@dataclass
class LauncherConf:
    _target_: str = "hydra_plugins.tradesys_sweep.TradesysRayLauncher"
    # Jobs running at once; 0: as many as Ray has CPUs for (each job takes one).
    max_parallel: int = 0
