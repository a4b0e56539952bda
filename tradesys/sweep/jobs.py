"""One sweep job on a Ray worker: Hydra's own ``run_job`` of the task function (run.py's ``main``) with
the job's composed configuration, its backtest reporting its progress to the sweep's board."""

from __future__ import annotations

import contextlib
import io
import json
import traceback
from pathlib import Path

import ray
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, run_job, setup_globals

from tradesys.backtest import progress


@ray.remote(num_cpus=1, max_retries=0)
def run_sweep_job(hydra_context, config, task_function, singleton_state, board, index: int) -> tuple:
    """(JobReturn, the job's summary or None, the error text or "", the node it ran on): never raises, so one
    job's failure is the sweep's to report, not the end of it."""
    node = ray.util.get_node_ip_address()
    Singleton.set_state(singleton_state)
    setup_globals()
    board.started.remote(index)
    progress.report_to(lambda share, fills: board.report.remote(index, share, fills))
    said = io.StringIO()         # what the job prints for its user (a refusal's one line)
    try:
        with contextlib.redirect_stderr(said):
            result = run_job(hydra_context=hydra_context, task_function=task_function, config=config,
                             job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir",
                             configure_logging=False)
    except Exception as exc:       # Hydra's own steps (output dir, config files) failed: the job did not run
        result = JobReturn(status=JobStatus.FAILED, _return_value=exc)
        return result, None, "".join(traceback.format_exception_only(exc)).strip(), node
    finally:
        progress.report_to(None)
    error = ""
    if result.status is JobStatus.FAILED:
        error = "".join(traceback.format_exception_only(result._return_value)).strip()
    elif result.return_value not in (0, None):
        lines = [line.strip() for line in said.getvalue().splitlines() if line.strip()]
        error = f"exit code {result.return_value}: " + (lines[-1] if lines else f"see {job_dir(config) / 'logs'}")
    summary_path = job_dir(config) / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else None
    return result, summary, error, node


def job_dir(config) -> Path:
    return Path(str(config.hydra.sweep.dir)) / str(config.hydra.sweep.subdir)
