"""A restarted actor binds its old ports again when it can, and others when it cannot: its old port may be
taken meanwhile (an outgoing connection's local port), or belong to another node's numbering altogether."""

from __future__ import annotations

import socket

import pytest
import zmq

from tradesys.actors.base import ActorBase, ActorContext
from tradesys.bus.sockets import bind_random_port


@pytest.fixture
def router():
    context = zmq.Context()
    sock = context.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    yield sock
    sock.close()
    context.term()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_free_old_port_is_bound_again(router):
    port = _free_port()
    assert bind_random_port(router, "127.0.0.1", port) == f"tcp://127.0.0.1:{port}"


def test_a_taken_old_port_gives_another_one_and_says_so(router, caplog):
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        endpoint = bind_random_port(router, "127.0.0.1", taken)
    host, _, port = endpoint.removeprefix("tcp://").rpartition(":")
    assert host == "127.0.0.1" and int(port) not in (0, taken)
    assert any("previous port is taken" in r.getMessage() for r in caplog.records)


def test_any_other_bind_error_is_raised(router):
    with pytest.raises(zmq.ZMQError):
        bind_random_port(router, "192.0.2.1", _free_port())     # not an address of this machine


def _actor(previous: dict[str, str]) -> ActorBase:
    actor = ActorBase("probe")
    actor.context = ActorContext(run_dir="/tmp", bus_host="127.0.0.1")
    actor.previous = previous
    return actor


def test_the_old_port_is_asked_for_only_on_the_node_it_was_on():
    assert _actor({"pub": "tcp://127.0.0.1:41234"}).port_of("pub") == 41234
    assert _actor({"pub": "tcp://10.231.0.2:41234"}).port_of("pub") == 0      # it was made again elsewhere
    assert _actor({"pub": "tcp://127.0.0.1:41234"}).port_of("orders") == 0
    assert _actor({"pub": "ipc:///tmp/x"}).port_of("pub") == 0
