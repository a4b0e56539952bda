"""A secret from the environment never reaches output, logs, errors, recordings or saved config."""

from __future__ import annotations

from tests.integration import launch

SECRET = "sk-test-9f8e7d6c5b4a3210-never-print-me"
KEY = "ak-test-0123456789abcdef-also-secret"


def _everything_written(run_dir):
    return "\n".join(p.read_bytes().decode(errors="replace") for p in run_dir.rglob("*") if p.is_file())


def test_env_secrets_appear_nowhere_in_a_run(tmp_path):
    run_dir = tmp_path / "run"
    env = {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET}
    code, out, err = launch.finish(launch.start(run_dir, "duration=3s", "log_level=DEBUG", env=env))
    assert code == 0, err
    written = _everything_written(run_dir)
    assert (run_dir / ".hydra" / "config.yaml").exists() and "oc.env:BINANCE_API_SECRET" in written
    for secret in (SECRET, KEY):
        assert secret not in out + err
        assert secret not in written


def test_a_secret_given_on_the_command_line_is_refused_and_not_echoed(tmp_path):
    run_dir = tmp_path / "run"
    code, out, err = launch.finish(launch.start(run_dir, f"exchange.binance.api_secret={SECRET}"))
    assert code == 2
    assert "exchange.binance.api_secret: secrets come from the environment only" in err
    assert SECRET not in out + err
    assert not run_dir.exists()


def test_a_config_error_does_not_echo_a_resolved_secret(tmp_path):
    run_dir = tmp_path / "run"
    env = {"BINANCE_API_SECRET": SECRET}
    code, out, err = launch.finish(launch.start(run_dir, "exchange.binance.endpoint=live", env=env))
    assert code == 2 and "confirm_live" in err
    assert SECRET not in out + err


def test_grvt_keys_from_the_environment_appear_nowhere_in_a_run(tmp_path):
    run_dir = tmp_path / "run"
    signing_key = "5c" * 32                  # bare hex, as a wallet exports it; the connector adds 0x itself
    env = {"GRVT_API_KEY": KEY, "GRVT_PRIVATE_KEY": signing_key}
    code, out, err = launch.finish(launch.start(run_dir, "exchange=grvt", "duration=4s", "log_level=DEBUG", env=env),
                                   timeout=120)
    assert code == 0, err
    written = _everything_written(run_dir)
    assert "oc.env:GRVT_PRIVATE_KEY" in written
    summary = (run_dir / "summary.json").read_text()
    assert '"mm_btc_grvt"' in summary            # it traded with them: the keys were used, not just carried
    for secret in (signing_key, KEY):
        assert secret not in out + err
        assert secret not in written
