"""The operator's way in: kill-switch commands and external inventory, put on the bus by the launcher.

The launcher binds a REP socket (``control`` in launcher.json) and a
publisher (``launcher`` in the actor directory, so every actor subscribes
to it). A request is two frames, a kind (``risk`` or ``inventory``) and a
protobuf body (``RiskCommand`` or ``InventoryDelta``); the launcher checks
it, publishes it on ``risk.<venue>`` or ``inv.<asset>``, logs it with its
reason, and answers one JSON line. ``python -m tradesys.kill`` and
``python -m tradesys.inventory`` are the clients (``send`` below).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import zmq
import zmq.asyncio
from google.protobuf.message import DecodeError

from tradesys.bus import Publisher, curve, topics
from tradesys.bus.sockets import bind_random_port
from tradesys.messages import InventoryDelta, RiskAction, RiskCommand
from tradesys.numeric import get_decimal

log = logging.getLogger(__name__)
KINDS = {"risk": RiskCommand, "inventory": InventoryDelta}


class ControlError(Exception):
    """A control request that cannot be carried out; the message says why."""


def publish_control(publisher: Publisher, kind: str, body: bytes) -> str:
    """Check one request and publish it; return the topic. Raises ControlError for a bad request."""
    if kind not in KINDS:
        raise ControlError(f"unknown request kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        message = KINDS[kind].FromString(body)
    except DecodeError as exc:
        raise ControlError(f"the {kind} body is not a {KINDS[kind].__name__}: {exc}") from None
    if isinstance(message, RiskCommand):
        if message.action not in RiskAction.values() or message.action == RiskAction.RISK_ACTION_UNSPECIFIED:
            raise ControlError("a risk command needs an action: halt, reduce_only, flatten or resume")
        if not message.reason:
            raise ControlError("a risk command needs a reason (it is logged and shown)")
        topic = topics.risk(message.venue or topics.ALL_VENUES)
    else:
        if not message.asset or "." in message.asset:
            raise ControlError(f"inventory needs an asset without dots, got {message.asset!r}")
        try:
            get_decimal(message.delta)
        except Exception as exc:
            raise ControlError(f"inventory delta is not a number: {exc}") from None
        topic = topics.inv(message.asset)
    publisher.publish_message(topic, message)
    log.warning("operator request published", extra={"fields": {"kind": kind, "topic": topic,
                                                                  "request": _describe(message)}})
    return topic


def _describe(message) -> dict:
    if isinstance(message, RiskCommand):
        return {"action": RiskAction.Name(message.action).removeprefix("RISK_ACTION_").lower(),
                "venue": message.venue, "strategy_id": message.strategy_id, "reason": message.reason,
                "issued_by": message.issued_by}
    return {"source": message.source, "asset": message.asset, "delta": str(get_decimal(message.delta)),
            "reference": message.reference}


class ControlServer:
    def __init__(self, publisher: Publisher, host: str, on_request: Callable[[str, str], None] | None = None):
        self.publisher = publisher
        self.host = host
        self.on_request = on_request
        self.endpoint = ""
        # The process's one ZeroMQ context, seen through asyncio: its CURVE handler guards this socket too.
        self._context = zmq.asyncio.Context.shadow(zmq.Context.instance().underlying)
        self._sock = None
        self.counters = {"requests": 0, "refused": 0}

    def bind(self) -> str:
        self._sock = self._context.socket(zmq.REP)
        self._sock.setsockopt(zmq.LINGER, 0)
        curve.secure_server(self._sock, "launcher control")
        self.endpoint = bind_random_port(self._sock, self.host)
        return self.endpoint

    async def serve(self) -> None:
        while True:
            frames = await self._sock.recv_multipart()
            self.counters["requests"] += 1
            try:
                if len(frames) != 2:
                    raise ControlError(f"expected 2 frames (kind, body), got {len(frames)}")
                kind = frames[0].decode("ascii", "replace")
                topic = publish_control(self.publisher, kind, frames[1])
                answer = {"ok": True, "published": topic}
                if self.on_request is not None:
                    self.on_request(kind, topic)
            except ControlError as exc:
                self.counters["refused"] += 1
                answer = {"ok": False, "error": str(exc)}
            await self._sock.send(json.dumps(answer).encode())

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(0)


def find_run_dir(run_dir: str | None, root: Path = Path("outputs")) -> Path:
    """The run directory named, or the newest one under ``outputs/`` holding a launcher.json."""
    if run_dir:
        path = Path(run_dir)
        if not (path / "launcher.json").exists():
            raise ControlError(f"{path} has no launcher.json: is a farm running there?")
        return path
    candidates = sorted(root.glob("*/*/launcher.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for candidate in candidates:
        if _alive(candidate):
            return candidate.parent
    raise ControlError(f"no running farm found under {root}/ (give --run-dir)")


def _alive(launcher_file: Path) -> bool:
    try:
        pid = json.loads(launcher_file.read_text()).get("pid")
        os.kill(int(pid), 0)
    except (OSError, ValueError, TypeError):
        return False
    return True


def send(run_dir: Path, kind: str, body: bytes, timeout: float = 5.0) -> dict:
    """Send one request to the farm's launcher and return its answer; ControlError when nobody answers."""
    info = json.loads((run_dir / "launcher.json").read_text())
    endpoint = info.get("control")
    if not endpoint:
        raise ControlError(f"the farm in {run_dir} has no control endpoint")
    if info.get("bus_security") == "curve":
        from tradesys.bus.keys import BusKeyError, load_keys

        source = info.get("bus_keys")
        try:    # the farm's client key: from the environment, or the key directory the farm named
            curve.enable(load_keys(None if source == "environment" else source))
        except BusKeyError as exc:
            raise ControlError(f"the farm's bus takes CURVE keys: {exc}") from None
    context = zmq.Context.instance()
    sock = context.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    curve.secure_client(sock)
    try:
        sock.connect(endpoint)
        sock.send_multipart([kind.encode(), body])
        if not sock.poll(timeout * 1000):
            raise ControlError(f"no answer from {endpoint} within {timeout:g}s: has the farm stopped?")
        return json.loads(sock.recv())
    finally:
        sock.close(0)


def send_from_cli(label: str, run_dir: str | None, kind: str, message, timeout: float) -> str | None:
    """What the operator CLIs share: send ``message`` to the farm; the topic it went out on, or None after
    printing why not (on stderr, prefixed with ``label``)."""
    try:
        answer = send(find_run_dir(run_dir), kind, message.SerializeToString(), timeout)
    except ControlError as exc:
        print(f"{label}: {exc}", file=sys.stderr)
        return None
    if not answer.get("ok"):
        print(f"{label} refused: {answer.get('error')}", file=sys.stderr)
        return None
    return answer["published"]
