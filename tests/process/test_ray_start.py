"""Joining a Ray cluster fails in seconds with one line naming the fix: no token, a head that does not
answer, an address that is not one (tradesys/launcher/ray_start.py)."""

from __future__ import annotations

import socket

import pytest

from tradesys.config import ClusterConfig
from tradesys.launcher.ray_start import RayStartError, head_of, start_ray, token_source


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAY_AUTH_MODE", "token")   # what start_ray sets for a cluster; restored after the test
    return tmp_path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_token_is_found_where_ray_looks_for_it(home, monkeypatch):
    assert token_source() is None
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text("")
    assert token_source() is None                       # an empty file is no token
    (home / ".ray" / "auth_token").write_text("ab" * 32)
    assert token_source() == str(home / ".ray" / "auth_token")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(home / "missing"))
    assert token_source() is None                       # Ray would not fall back from a named file either
    monkeypatch.setenv("RAY_AUTH_TOKEN", "cd" * 32)
    assert token_source() == "RAY_AUTH_TOKEN"


def test_without_a_token_joining_stops_at_once_and_says_where_to_put_it(home):
    with pytest.raises(RayStartError) as caught:
        start_ray(ClusterConfig(address=f"127.0.0.1:{closed_port()}"))
    assert "no Ray auth token" in str(caught.value) and "~/.ray/auth_token" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_head_that_does_not_answer_is_named_with_the_fix(home):
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text("ab" * 32)
    port = closed_port()
    with pytest.raises(RayStartError) as caught:
        start_ray(ClusterConfig(address=f"127.0.0.1:{port}"))
    message = str(caught.value)
    assert message.startswith(f"cannot reach the Ray head at 127.0.0.1:{port} (")
    assert "check cluster.address" in message and "\n" not in message


def test_addresses_are_host_port_or_auto():
    assert head_of("auto") is None
    assert head_of("10.0.0.10:6379") == ("10.0.0.10", 6379)
    assert head_of("head.example") == ("head.example", 6379)
    with pytest.raises(RayStartError, match="is not host:port"):
        head_of("10.0.0.10:port")
