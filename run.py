"""tradesys launcher.

    python run.py [key=value ...]        e.g. exchange=binance duration=30s
    python run.py --help                 the configuration groups and every key

Composes conf/config.yaml with the overrides (Hydra), checks it, starts Ray
and the actors the configuration names, shows their live status, and stops
cleanly on Ctrl-C, SIGTERM or after `duration`. Writes logs and summary.json
into the run directory (outputs/<date>/<time> unless hydra.run.dir=...).
"""

import os
import sys
from pathlib import Path

# Ray reads its auth mode once, when it is first imported: token, as Ray itself does for a local Ray, so
# that joining a cluster started by cluster.yaml needs only the token file (RAY_AUTH_MODE=disabled opts out).
os.environ.setdefault("RAY_AUTH_MODE", "token")

# Hydra looks for launchers in the `hydra_plugins` namespace: tradesys's (sweeps on Ray) lives here.
sys.path.insert(1, str(Path(__file__).resolve().parent / "tradesys" / "sweep" / "plugin"))

import hydra  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.types import RunMode  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from tradesys.config import register  # noqa: E402
from tradesys.launcher.cli import backtest_args, precheck, run_job  # noqa: E402

register()


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> int:
    code = run_job(cfg, HydraConfig.get().runtime.output_dir)
    if HydraConfig.get().mode is RunMode.MULTIRUN:
        return code       # a sweep's job: the launcher reports it and goes on with the others
    sys.exit(code)


if __name__ == "__main__":
    sys.argv[1:] = backtest_args(sys.argv[1:])
    code = precheck(sys.argv[1:])
    if code:
        sys.exit(code)
    main()
