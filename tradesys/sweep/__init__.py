"""Parameter sweeps of backtests on Ray.

``python run.py -m mode=backtest recording=<dir> strategy.<id>.params.<key>=a,b`` runs every combination as
its own Ray task, locally or on the cluster, through the Hydra launcher ``tradesys_ray`` (``launcher.py``),
and writes a combined table and plots (``table.py``). docs/sweeps.md."""
