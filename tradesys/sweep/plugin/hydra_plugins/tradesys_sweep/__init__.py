"""Hydra finds launchers only in the ``hydra_plugins`` namespace: run.py puts ``tradesys/sweep/plugin`` on
the import path, and this names tradesys's Ray launcher there (``conf/config.yaml`` selects it as
``hydra/launcher: tradesys_ray``)."""

from tradesys.sweep.launcher import SweepLauncher


class TradesysRayLauncher(SweepLauncher):
    pass


__all__ = ["TradesysRayLauncher"]
