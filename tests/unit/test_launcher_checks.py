"""The launcher's rounds of actor checks survive what Ray says: an actor pinned to a node that is gone
answers with ActorUnschedulableError (not a RayActorError), and any other Ray error is logged, not fatal."""

from __future__ import annotations

from pathlib import Path

import ray.exceptions

from tradesys.config.load import load
from tradesys.launcher.launcher import Launcher
from tradesys.launcher.plan import build_plan


class Answers:
    """A Ray actor handle's ``status`` as seen from the launcher: ``status.remote()`` raising ``error``."""

    def __init__(self, error: Exception):
        self.status = self
        self.error = error

    def remote(self):
        async def answer():
            raise self.error
        return answer()


async def test_an_unschedulable_actor_is_seen_dead_and_another_ray_error_is_only_logged(tmp_path, caplog):
    _, app = load(["exchange=binance", "strategy=[mm_btc]", "recording.enabled=false"])
    launcher = Launcher(app, build_plan(app), Path(tmp_path))
    unschedulable = ray.exceptions.ActorUnschedulableError("The node specified via NodeAffinitySchedulingStrategy "
                                                           "doesn't exist any more")
    launcher.handles.update({"mm_btc": Answers(unschedulable), "engine-binance": Answers(ray.exceptions.RayError("?"))})
    await launcher.check_once()
    await launcher.check_once()          # a second round: the first did not end the checks
    assert launcher.board.rows["mm_btc"].state == "dead" and "NodeAffinity" in launcher.board.rows["mm_btc"].detail
    assert launcher.board.rows["engine-binance"].state != "dead"
    assert "status call failed" in caplog.text
    await launcher.supervisor.close()
