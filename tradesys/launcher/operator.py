"""The launcher's operator side: its publisher (every actor subscribes to it), the control endpoint that
``python -m tradesys.kill`` and ``python -m tradesys.inventory`` talk to, the Prometheus metrics server, the
status screen's kill-switch keys, and ``launcher.json``, which names them all."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import ray
from rich.console import Console

from tradesys.bus import Publisher
from tradesys.config.schema import StatusConfig
from tradesys.launcher.control import ControlError, ControlServer, publish_control
from tradesys.launcher.metrics import MetricsServer
from tradesys.launcher.status import StatusBoard
from tradesys.messages import RiskAction, RiskCommand

# The status screen's kill-switch keys.
KEYS = {"h": RiskAction.RISK_ACTION_HALT, "u": RiskAction.RISK_ACTION_REDUCE_ONLY,
        "f": RiskAction.RISK_ACTION_FLATTEN, "r": RiskAction.RISK_ACTION_RESUME}
CONFIRM_SECONDS = 3.0


class OperatorDesk:
    def __init__(self, status: StatusConfig, board: StatusBoard, run_dir: Path, console: Console):
        self.status = status
        self.board = board
        self.run_dir = run_dir
        self.console = console
        self.publisher: Publisher | None = None        # the operator's requests, on the bus
        self.control: ControlServer | None = None
        self.metrics: MetricsServer | None = None
        self.key_hint = ""
        self.requests: list[dict] = []                 # every request published, for the summary
        self._flatten_armed = 0.0
        self.bus: dict[str, str] = {"bus_security": "none"}   # for the operator CLIs (no key is written)
        self._control_task: asyncio.Task | None = None

    def open(self, host: str) -> str:
        """Bind the publisher, the control endpoint and the metrics server; write launcher.json. Returns the
        publisher's endpoint."""
        self.publisher = Publisher("launcher", host=host)
        endpoint = self.publisher.bind()
        self.control = ControlServer(self.publisher, host, on_request=self.published)
        self.control.bind()
        self._control_task = asyncio.create_task(self.control.serve(), name="control")
        if self.status.metrics_port is not None:
            self.metrics = MetricsServer(self.board)
            url = self.metrics.start(self.status.metrics_host, self.status.metrics_port)
            self.console.print(f"metrics: {url}", soft_wrap=True)
        self._write_launcher_file()
        return endpoint

    def _write_launcher_file(self) -> None:
        info = {"pid": os.getpid(), "ray_address": ray.get_runtime_context().gcs_address,
                "metrics": self.metrics.url if self.metrics else None,
                "control": self.control.endpoint if self.control else None, **self.bus}
        # Written whole and renamed: a reader never sees half a file.
        partial = self.run_dir / "launcher.json.partial"
        partial.write_text(json.dumps(info, indent=2))
        partial.replace(self.run_dir / "launcher.json")

    def on_key(self, key: str) -> None:
        """The status screen's kill-switch keys; flatten wants its key twice within CONFIRM_SECONDS."""
        action = KEYS.get(key.lower())
        if action is None or self.publisher is None:
            return
        if action == RiskAction.RISK_ACTION_FLATTEN:
            now = time.monotonic()
            if now - self._flatten_armed > CONFIRM_SECONDS:
                self._flatten_armed = now
                self.key_hint = "press f again within 3 s to flatten every position"
                return
            self._flatten_armed = 0.0
        self.bus: dict[str, str] = {"bus_security": "none"}   # for the operator CLIs (no key is written)
        self.key_hint = ""
        name = RiskAction.Name(action).removeprefix("RISK_ACTION_").lower()
        command = RiskCommand(action=action, reason=f"{name} from the status screen",
                              issued_by="operator:status-screen")
        try:
            topic = publish_control(self.publisher, "risk", command.SerializeToString())
        except ControlError as exc:
            self.key_hint = str(exc)
            return
        self.published("risk", topic)

    def published(self, kind: str, topic: str) -> None:
        self.requests.append({"ts": time.time(), "kind": kind, "topic": topic})
        self.console.print(f"[bold yellow]operator {kind} request published on {topic}[/]", soft_wrap=True)

    async def close(self) -> None:
        if self.metrics is not None:
            self.metrics.stop()
            self.metrics = None
        if self._control_task is not None:
            self._control_task.cancel()
            await asyncio.gather(self._control_task, return_exceptions=True)
            self._control_task = None
        if self.control is not None:
            self.control.close()
        if self.publisher is not None:
            self.publisher.close()
