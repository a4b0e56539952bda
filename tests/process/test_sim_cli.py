"""``python -m tradesys.sim binance`` as a user runs it."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "tradesys.sim", "binance", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _header(proc, timeout=60.0):
    """The lines printed before serving, up to ``symbols``; fails instead of blocking past ``timeout``."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, "")],
                     daemon=True).start()
    header, deadline = {}, time.monotonic() + timeout
    while "symbols" not in header:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no complete header within {timeout}s: {header}") from None
        role, value = line.rstrip("\n").rsplit(" ", 1)  # roles may have spaces: "ws market ws://..."
        header[role] = value
    return header


def test_it_prints_its_endpoints_and_credentials_serves_and_stops_on_sigterm():
    proc = _start("--port", "0", "--seed", "7", "--symbols", "BTCUSDT")
    try:
        header = _header(proc)
        assert header["rest"].startswith("http://127.0.0.1:") and header["symbols"] == "BTCUSDT"
        assert header["ws public"].endswith("/public") and header["ws market"].endswith("/market")
        assert len(header["api-key"]) == 64 and len(header["api-secret"]) == 64
        with urllib.request.urlopen(header["rest"] + "/fapi/v1/exchangeInfo", timeout=10) as response:
            info = json.loads(response.read())
        assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read()


def test_a_given_secret_is_accepted_but_never_printed():
    secret = "my-own-test-secret-value-123456"
    proc = _start("--api-key", "my-key", "--api-secret", secret)
    try:
        header = _header(proc)
        assert header["api-key"] == "my-key" and header["api-secret"] == "(given)"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    err = proc.stderr.read()
    assert proc.returncode == 0 and secret not in err and secret not in json.dumps(header)


def test_bad_arguments_are_one_clear_line():
    result = subprocess.run([sys.executable, "-m", "tradesys.sim", "binance", "--symbols", "DOGEUSDT"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: unknown symbols ['DOGEUSDT']")
    assert "Traceback" not in result.stderr


def test_an_unusable_ed25519_key_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "key.pem"
    bad.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    for args, wanted in ((["--ed25519-public-key", str(bad)], "error: --ed25519-public-key needs --api-key"),
                         (["--api-key", "k", "--api-secret", "s", "--ed25519-public-key", str(tmp_path / "none")],
                          "error: --ed25519-public-key: [Errno 2]"),
                         (["--api-key", "k", "--api-secret", "s", "--ed25519-public-key", str(bad)],
                          "error: the Ed25519 public key is not usable")):
        result = subprocess.run([sys.executable, "-m", "tradesys.sim", "binance", *args], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and result.stderr.strip().startswith(wanted), result.stderr
        assert "Traceback" not in result.stderr


def test_the_deribit_simulator_runs_the_same_way_and_answers_json_rpc():
    proc = subprocess.Popen([sys.executable, "-m", "tradesys.sim", "deribit", "--port", "0", "--symbols",
                             "BTC-PERPETUAL", "--api-key", "cli-client", "--api-secret", "cli-secret-value-0123"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header = _header(proc)
        assert header["rest"].startswith("http://127.0.0.1:") and header["rest"].endswith("/api/v2")
        assert header["ws"].endswith("/ws/api/v2") and header["symbols"] == "BTC-PERPETUAL"
        assert header["api-key"] == "cli-client" and header["api-secret"] == "(given)"
        query = "grant_type=client_credentials&client_id=cli-client&client_secret=cli-secret-value-0123"
        with urllib.request.urlopen(header["rest"] + "/public/auth?" + query, timeout=10) as response:
            token = json.loads(response.read())["result"]
        assert token["token_type"] == "bearer" and token["expires_in"] > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    stderr = proc.stderr.read()
    assert proc.returncode == 0, stderr
    assert "cli-secret-value-0123" not in stderr


def test_the_grvt_simulator_prints_its_three_hosts_and_the_signer_it_accepts():
    key = "0x" + "11" * 32
    proc = subprocess.Popen([sys.executable, "-m", "tradesys.sim", "grvt", "--port", "0", "--api-key", "cli-grvt-key",
                             "--private-key", key], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header = _header(proc)
        # Every value a client needs, one labelled line each: production's chain by default, the sub-account.
        assert header["chain-id"] == "325" and header["sub-account"].isdigit()
        hosts = {header[role] for role in ("edge", "market data", "trade data")}
        assert len(hosts) == 3 and all(h.startswith("http://127.0.0.1:") for h in hosts)   # distinct ports
        assert header["private-key"] == "(given)" and header["signer"] == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
        request = urllib.request.Request(header["edge"] + "/auth/api_key/login", data=b'{"api_key": "cli-grvt-key"}',
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["X-Grvt-Account-Id"] and "gravity=" in response.headers["Set-Cookie"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    stderr = proc.stderr.read()
    assert proc.returncode == 0, stderr
    assert key not in stderr


def test_the_grvt_simulator_takes_a_chain_id_and_other_venues_refuse_it():
    proc = subprocess.Popen([sys.executable, "-m", "tradesys.sim", "grvt", "--port", "0", "--chain-id", "326"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _header(proc)["chain-id"] == "326"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read()
    for venue, value, wanted in (("binance", "326", "error: --chain-id is for the grvt simulator"),
                                 ("grvt", "0", "error: --chain-id must be a positive integer, not 0")):
        result = subprocess.run([sys.executable, "-m", "tradesys.sim", venue, "--chain-id", value], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and result.stderr.strip() == wanted, result.stderr
