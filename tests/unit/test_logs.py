import json
import logging

import pytest

from tradesys import logs


@pytest.fixture
def json_log(tmp_path):
    path = logs.setup("tester", tmp_path, "DEBUG", console=False)
    yield path
    logs.setup("tester", None, "WARNING", console=False)


def _lines(path):
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_log_line_is_one_json_object_with_the_documented_keys(json_log):
    logging.getLogger("x").info("book resynced", extra={"fields": {"symbol": "BTCUSDT", "gap": 3}})
    [entry] = _lines(json_log)
    assert set(entry) == {"ts", "level", "actor", "event", "logger", "fields"}
    assert entry["actor"] == "tester" and entry["event"] == "book resynced" and entry["level"] == "INFO"
    assert entry["fields"] == {"symbol": "BTCUSDT", "gap": 3}
    assert entry["ts"].endswith("+00:00")


def test_registered_secrets_are_redacted_everywhere_in_a_record(json_log):
    secret = "s3cr3t-value-for-redaction"
    logs.register_secret(secret)
    log = logging.getLogger("x")
    log.warning("signing with %s", secret, extra={"fields": {"nested": {"k": f"Bearer {secret}"}, "n": 1}})
    try:
        raise RuntimeError(f"venue said bad signature for {secret}")
    except RuntimeError:
        log.exception("request failed")
    text = json_log.read_text()
    assert secret not in text
    entries = _lines(json_log)
    assert entries[0]["event"] == "signing with ***"
    assert entries[0]["fields"] == {"nested": {"k": "Bearer ***"}, "n": 1}
    assert "bad signature for ***" in entries[1]["exc"]


def test_short_values_are_not_registered_as_secrets():
    logs.register_secret("abc")
    assert logs.redact("abc abc") == "abc abc"
