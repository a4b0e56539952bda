"""The Hydra launcher of ``python run.py -m ...``: every job of the sweep a Ray task, all in parallel as far as
the Ray cluster's CPUs go (the local Ray of ``cluster=local``, or the cluster of ``cluster=remote``).

Each job runs run.py's task function on a worker, through Hydra's own ``run_job``, into
``<sweep dir>/<job number>``. The launcher shows every job's progress once a second, reports a job that
fails (its error, one line) and goes on with the others, then writes the combined table and the plots
(``table.py``) into the sweep directory. Sweeps run backtests: a job that would start a live farm is
refused before anything runs. Hydra finds this class through the shim in ``tradesys/sweep/hydra_plugins``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, setup_globals
from hydra.plugins.launcher import Launcher
from omegaconf import DictConfig, OmegaConf, open_dict

from tradesys.sweep import table
from tradesys.sweep.table import JobOutcome


class SweepJobFailed(RuntimeError):
    """A job of the sweep failed; the others ran."""


class SweepLauncher(Launcher):
    def __init__(self, max_parallel: int = 0):
        self.max_parallel = max_parallel
        self.config: DictConfig | None = None
        self.hydra_context = None
        self.task_function = None
        self.swept: set[str] = set()

    def setup(self, *, hydra_context, task_function, config: DictConfig) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        import ray

        from tradesys.sweep.board import SweepBoard
        from tradesys.sweep.jobs import run_sweep_job

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir)).absolute()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        try:
            configs = [self._job_config(list(overrides), initial_job_idx + n, sweep_dir)
                       for n, overrides in enumerate(job_overrides)]
        except SweepJobFailed as exc:
            print(f"sweep: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        # What a job's line names: the keys whose values differ between jobs.
        values: dict[str, set[str]] = {}
        for overrides in job_overrides:
            for key, _, value in (o.partition("=") for o in overrides):
                values.setdefault(key, set()).add(value)
        self.swept = {key for key, seen in values.items() if len(seen) > 1}
        started_ray = self._start_ray()
        try:
            board = SweepBoard.remote()
            width = self.max_parallel or max(1, int(ray.cluster_resources().get("CPU", 1)))
            print(f"sweep: {len(configs)} job(s), up to {width} at once, into {sweep_dir}", file=sys.stderr)
            outcomes, returns = self._run(configs, board, width, run_sweep_job)
        finally:
            if started_ray:
                ray.shutdown()
        written = table.write(sweep_dir, outcomes)
        failed = [o for o in outcomes if o.error]
        print(f"sweep: {len(outcomes) - len(failed)} done, {len(failed)} failed; "
              f"{', '.join(p.name for p in written)} in {sweep_dir}", file=sys.stderr)
        if failed:
            # Each failure is reported above with its cause: end here with 1, not with Hydra's traceback.
            raise SystemExit(1)
        return returns

    def _job_config(self, overrides: list[str], index: int, sweep_dir: Path) -> DictConfig:
        config = self.hydra_context.config_loader.load_sweep_config(self.config, overrides)
        with open_dict(config):
            config.hydra.job.id = f"job{index}"
            config.hydra.job.num = index
            # Workers run elsewhere (another directory, another node): every path they get is absolute.
            config.hydra.sweep.dir = str(sweep_dir)
            if config.get("backtest") and config.backtest.get("recording"):
                config.backtest.recording = os.path.abspath(str(config.backtest.recording))
        mode = config.get("mode", "live")
        if getattr(mode, "value", mode) != "backtest":
            raise SweepJobFailed(f"job {index} ({' '.join(overrides) or 'no overrides'}): sweeps run backtests; "
                                 f"add mode=backtest recording=<run dir>")
        return config

    def _start_ray(self) -> bool:
        import ray

        from tradesys.config.schema import ClusterConfig
        from tradesys.launcher.ray_start import start_ray

        if ray.is_initialized():
            return False
        cluster = OmegaConf.to_object(self.config.cluster)
        start_ray(cluster if isinstance(cluster, ClusterConfig) else ClusterConfig(**cluster))
        return True

    def _run(self, configs: list[DictConfig], board, width: int, run_sweep_job) -> tuple[list, list]:
        import ray

        state = Singleton.get_state()
        waiting = list(configs)
        running: dict = {}                       # object ref -> (config, start time)
        outcomes: dict[int, JobOutcome] = {}
        returns: dict[int, JobReturn] = {}
        last_shown = 0.0
        while waiting or running:
            while waiting and len(running) < width:
                config = waiting.pop(0)
                ref = run_sweep_job.remote(self.hydra_context, config, self.task_function, state, board,
                                           config.hydra.job.num)
                running[ref] = (config, time.monotonic())
            done, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
            for ref in done:
                config, began = running.pop(ref)
                index = config.hydra.job.num
                overrides = list(config.hydra.overrides.task)
                try:
                    result, summary, error, node = ray.get(ref)
                except Exception as exc:       # the worker itself died
                    result, summary, node = None, None, ""
                    error = f"the job's worker failed: {type(exc).__name__}: {exc}"
                outcome = JobOutcome(index, overrides, summary, error, time.monotonic() - began, node)
                outcomes[index] = outcome
                returns[index] = self._job_return(result, overrides, error)
                self._show_end(outcome, len(outcomes), len(configs))
            if time.monotonic() - last_shown >= 2.0 and running:
                last_shown = time.monotonic()
                self._show_running(ray.get(board.read.remote()), running)
        order = sorted(outcomes)
        return [outcomes[i] for i in order], [returns[i] for i in order]

    @staticmethod
    def _job_return(result: JobReturn | None, overrides: list[str], error: str) -> JobReturn:
        if result is None or error:
            result = result or JobReturn(overrides=overrides)
            result.status = JobStatus.FAILED
            result.return_value = SweepJobFailed(f"job {' '.join(overrides)}: {error}")
        return result

    def _show_end(self, outcome: JobOutcome, finished: int, total: int) -> None:
        what = " ".join(o for o in outcome.overrides if o.partition("=")[0] in self.swept) or "no parameters swept"
        if outcome.error:
            print(f"sweep: [{finished}/{total}] job {outcome.index} FAILED ({what}): {outcome.error}", file=sys.stderr)
            return
        rows = table.rows([outcome])
        pnl = ", ".join(f"{row['strategy']} pnl {row['pnl']:.6g} fills {row['fills']}" for row in rows
                        if row.get("strategy"))
        print(f"sweep: [{finished}/{total}] job {outcome.index} done in {outcome.seconds:.1f}s ({what}): {pnl}",
              file=sys.stderr)

    @staticmethod
    def _show_running(progress: dict[int, dict], running: dict) -> None:
        parts = []
        for config, _ in running.values():
            index = config.hydra.job.num
            job = progress.get(index)
            state = f"{job.get('share', 0.0):.0%} {job.get('fills', 0)} fills" if job else "starting"
            parts.append(f"job {index} {state}")
        print(f"sweep: running: {'; '.join(sorted(parts))}", file=sys.stderr)
