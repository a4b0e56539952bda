"""tradesys launcher.

    python run.py [key=value ...]        e.g. exchange=binance duration=30s
    python run.py --help                 the configuration groups and every key

Composes conf/config.yaml with the overrides (Hydra), checks it, starts Ray
and the actors the configuration names, shows their live status, and stops
cleanly on Ctrl-C, SIGTERM or after `duration`. Writes logs and summary.json
into the run directory (outputs/<date>/<time> unless hydra.run.dir=...).
"""

import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from tradesys.config import register
from tradesys.launcher.cli import precheck, run_job

register()


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    sys.exit(run_job(cfg, HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    code = precheck(sys.argv[1:])
    if code:
        sys.exit(code)
    main()
