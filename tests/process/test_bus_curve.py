"""cluster.bus_security: curve on real sockets: the bus's own publisher, subscriber and order channel talk
through CURVE; a client without a valid key (none, or one not on the allow-list) receives nothing and is
counted; keys come from a key directory or the environment and never show."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
import zmq
import zmq.auth

from tradesys.aio import wait_until
from tradesys.bus import OrderClient, OrderServer, Publisher, Subscriber, curve
from tradesys.bus.keys import CLIENT_ENV, SERVER_ENV, BusKeyError, generate, load_keys, main
from tradesys.messages import Heartbeat, OrderReply, OrderRequest


@pytest.fixture
def keys(tmp_path):
    generate(tmp_path / "keys")
    loaded = load_keys(str(tmp_path / "keys"))
    curve.enable(loaded)
    yield loaded
    curve.disable()


def intruder(kind: int, endpoint: str, key_pair: tuple[bytes, bytes] | None = None,
             server_key: bytes | None = None) -> zmq.Socket:
    """A raw client from a context of its own: plain (NULL), or CURVE with a key pair of its own."""
    sock = zmq.Context().socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    if key_pair is not None:
        sock.curve_serverkey = server_key
        sock.curve_publickey, sock.curve_secretkey = key_pair
    if kind == zmq.SUB:
        sock.setsockopt(zmq.SUBSCRIBE, b"")
    sock.connect(endpoint)
    return sock


async def test_the_bus_talks_through_curve_and_a_client_without_a_valid_key_gets_nothing_and_is_counted(keys):
    # The handshake watch starts with the first server socket: a process of clients only runs no thread
    # that polls nothing (one that spun held the GIL and cost every message 5 ms).
    assert "bus-handshakes" not in {t.name for t in threading.enumerate()}
    publisher = Publisher("pub-under-test")
    endpoint = publisher.bind()
    friend = Subscriber(["hb."], name="friend")
    friend.connect(endpoint)
    plain = intruder(zmq.SUB, endpoint)
    stranger = intruder(zmq.SUB, endpoint, zmq.curve_keypair(), keys.server_public)
    try:
        async def delivered():
            publisher.publish_message("hb.x", Heartbeat(actor="x"))
            return await friend.recv_batch(16, timeout=0.2)

        batch = await wait_until(delivered, "a message through CURVE", timeout=10, every=0.05)
        assert batch[0].message().actor == "x"
        # Both intruders tried and were refused (a plain client fails the handshake, a stranger's key the
        # allow-list); each refusal is counted.
        await wait_until(lambda: curve.denied() >= 2, "both refusals counted", timeout=10, every=0.05)
        for _ in range(20):
            publisher.publish_message("hb.x", Heartbeat(actor="x"))
        await asyncio.sleep(0.3)      # time itself: what the intruders could have received
        assert plain.poll(0) == 0 and stranger.poll(0) == 0
    finally:
        for sock in (plain, stranger):
            sock.close(0)
        friend.close()
        publisher.close()


async def test_the_order_channel_answers_only_clients_with_the_farms_key(keys):
    server = OrderServer("engine-under-test")
    endpoint = server.bind()
    server.serve(lambda received: OrderReply(request_id=received.request.request_id, accepted=True))
    client = OrderClient("mm_test", timeout=5)
    client.connect(endpoint)
    await client.start()
    plain = None
    try:
        reply = await wait_until(lambda: _try(client), "an order reply through CURVE", timeout=10, every=0.1)
        assert reply.accepted
        before = curve.denied()
        # Connected only now, so its first refused handshake is the one counted. Its send never blocks: once
        # refused, the plain socket may have no peer left to queue for (a blocking send then waits for ever).
        plain = intruder(zmq.DEALER, endpoint)
        with contextlib.suppress(zmq.Again):
            plain.send_multipart([b"", b"not even a request"], flags=zmq.NOBLOCK)
        await wait_until(lambda: curve.denied() > before, "the plain client refused", timeout=10, every=0.05)
        assert plain.poll(300) == 0
        assert server.counters["requests"] == 1 and server.counters["malformed"] == 0
    finally:
        if plain is not None:
            plain.close(0)
        await client.close()
        server.close()


async def _try(client: OrderClient) -> OrderReply | None:
    try:
        return await client.request(OrderRequest(strategy_id="mm_test", client_order_id="mm_test-1"), timeout=1)
    except Exception:      # not connected yet: the handshake is still under way
        return None


async def test_a_client_on_the_allow_list_is_let_in(tmp_path):
    generate(tmp_path / "keys")
    public_file, secret_file = zmq.auth.create_certificates(tmp_path, "operator")
    (tmp_path / "keys" / "allowed" / "operator.key").write_bytes(open(public_file, "rb").read())
    keys = load_keys(str(tmp_path / "keys"))
    assert len(keys.allow_list()) == 2
    curve.enable(keys)
    try:
        publisher = Publisher("pub-allow")
        endpoint = publisher.bind()
        guest = intruder(zmq.SUB, endpoint, zmq.auth.load_certificate(secret_file), keys.server_public)

        def arrived() -> bool:
            publisher.publish_message("hb.x", Heartbeat(actor="x"))
            return guest.poll(50) != 0

        assert await wait_until(arrived, "the allowed guest served", timeout=10, every=0.05)
        assert curve.denied() == 0
        guest.close(0)
        publisher.close()
    finally:
        curve.disable()


def test_keys_come_from_the_environment_or_a_directory_and_never_show(tmp_path, capsys):
    assert main([str(tmp_path / "keys")]) == 0
    out = capsys.readouterr().out
    assert "cluster.bus_keys=" in out
    from_dir = load_keys(str(tmp_path / "keys"))
    for secret in (from_dir.server_secret, from_dir.client_secret):
        assert secret.decode() not in out and secret.decode() not in repr(from_dir)
    env = {SERVER_ENV: from_dir.server_secret.decode(), CLIENT_ENV: from_dir.client_secret.decode()}
    from_env = load_keys(None, env)
    assert (from_env.server_public, from_env.client_public) == (from_dir.server_public, from_dir.client_public)
    assert main([str(tmp_path / "keys")]) == 2 and "not overwritten" in capsys.readouterr().err


@pytest.mark.parametrize("directory,env,says", [
    (None, {}, "no keys: make a key directory with `python -m tradesys.bus.keys DIR`"),
    ("/nonexistent/keys", {}, "is not a directory"),
    (None, {SERVER_ENV: "short", CLIENT_ENV: "x" * 40}, f"{SERVER_ENV} is not a Z85 CURVE secret key"),
])
def test_missing_or_bad_keys_fail_with_the_fix(directory, env, says):
    with pytest.raises(BusKeyError) as caught:
        load_keys(directory, env)
    assert says in str(caught.value) and "\n" not in str(caught.value)
    assert "x" * 40 not in str(caught.value)


async def test_curve_turned_off_and_on_again_in_one_process_takes_the_new_keys(tmp_path):
    """As a second farm in one process does (tests, benchmarks): the ZAP handler stays, its keys change."""
    for run in ("first", "second"):
        generate(tmp_path / run)
        keys = load_keys(str(tmp_path / run))
        curve.enable(keys)
        try:
            publisher = Publisher(f"pub-{run}")
            endpoint = publisher.bind()
            reader = Subscriber(["hb."])
            reader.connect(endpoint)

            async def delivered(publisher=publisher, reader=reader, run=run):
                publisher.publish_message("hb.x", Heartbeat(actor=run))
                return await reader.recv_batch(16, timeout=0.2)

            batch = await wait_until(delivered, f"the {run} farm's messages", timeout=10, every=0.05)
            assert batch[0].message().actor == run
            reader.close()
            publisher.close()
        finally:
            curve.disable()
