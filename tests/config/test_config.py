"""Composition and validation of conf/: every bad value is one line naming its key."""

import pytest

from tradesys.config import ConfigError, Endpoint, load, parse_duration


def test_the_default_config_composes_to_the_sim_binance_venue_with_recording():
    raw, app = load([])
    assert list(app.exchange) == ["binance"]
    assert app.exchange["binance"].endpoint is Endpoint.sim
    assert app.recording.enabled and app.cluster.address is None and app.cluster.dashboard is False
    assert raw.exchange.binance.api_key is None or "oc.env" not in str(raw.exchange.binance.api_key)


def test_several_venues_in_one_launch():
    _, app = load(["exchange=[binance,deribit,grvt]"])
    assert sorted(app.exchange) == ["binance", "deribit", "grvt"]
    assert app.exchange["deribit"].venue == "deribit"


def test_the_grvt_simulator_takes_its_chain_from_the_config():
    from tradesys.launcher.plan import build_plan

    for overrides, chain in (([], 325), (["exchange.grvt.sim_chain_id=326"], 326)):
        _, app = load(["exchange=grvt", *overrides])
        [sim] = [spec for spec in build_plan(app) if spec.name == "sim-grvt"]
        assert dict(sim.args[0].options) == {"chain_id": chain}
    _, app = load([])
    [sim] = [spec for spec in build_plan(app) if spec.name == "sim-binance"]
    assert dict(sim.args[0].options) == {"replay": None, "replay_rate": 1000.0, "replay_held": False}   # no replay
    with pytest.raises(ConfigError) as info:
        load(["exchange=grvt", "exchange.grvt.sim_chain_id=0"])
    assert info.value.key == "exchange.grvt.sim_chain_id" and "must be >= 1" in str(info.value)


def test_a_key_of_another_venue_is_an_unknown_key_there():
    # order_transport is Binance's: valid there, a clear error on Deribit whether added with '+' or not.
    _, app = load(["exchange.binance.order_transport=ws_api"])
    assert type(app.exchange["binance"]).__name__ == "BinanceConfig"
    assert app.exchange["binance"].order_transport.value == "ws_api"
    for override in ("exchange.deribit.order_transport=ws_api", "+exchange.deribit.order_transport=ws_api"):
        with pytest.raises(ConfigError) as info:
            load(["exchange=deribit", override])
        assert info.value.key == "exchange.deribit.order_transport"
        assert "unknown key; VenueConfig takes" in str(info.value) and "order_transport" not in \
            str(info.value).split("takes")[1]
    with pytest.raises(ConfigError, match=r"exchange.binance.sim_chain_id: unknown key; BinanceConfig takes"):
        load(["+exchange.binance.sim_chain_id=326"])


@pytest.mark.parametrize("override, key, says", [
    ("exchange.binance.endpoint=foo", "exchange.binance.endpoint", "expected one of [sim, testnet, live]"),
    ("exchange.binance.bad=1", "exchange.binance.bad", "unknown key; BinanceConfig takes"),
    ("+exchange.binance.bad=1", "exchange.binance.bad", "unknown key; BinanceConfig takes"),
    ("exchange.binance.depth_update_ms=often", "exchange.binance.depth_update_ms", "could not be converted"),
    ("cluster.num_cpus=two", "cluster.num_cpus", "could not be converted to Integer"),
    ("cluster.num_cpus=0", "cluster.num_cpus", "must be >= 1"),
    ("risk.price_band_bps=20000", "risk.price_band_bps", "must be <= 10000"),
    ("risk.max_order_notional=-1", "risk.max_order_notional", "must be > 0"),
    ("recording.max_batch_rows=0", "recording.max_batch_rows", "must be >= 1"),
    ("exchange=kraken", "exchange", "no option 'kraken'; available: binance, deribit, grvt"),
    ("exchange.binance.endpoint=live", "exchange.binance.endpoint", "confirm_live=true"),
    ("duration=3x", "duration", "not a duration"),
    ("status.display=fancy", "status.display", "expected one of"),
    ("exchange.binance.symbols=[BTC.USDT]", "exchange.binance.symbols.0", "not a symbol"),
    ("status.metrics_port=70000", "status.metrics_port", "must be <= 65535"),
])
def test_a_bad_value_names_its_key_in_one_line(override, key, says):
    with pytest.raises(ConfigError) as info:
        load([override])
    assert info.value.key == key
    assert says in str(info.value)
    assert "\n" not in str(info.value)


def test_live_starts_only_with_the_explicit_confirmation():
    _, app = load(["exchange.binance.endpoint=live", "exchange.binance.confirm_live=true"])
    assert app.exchange["binance"].endpoint is Endpoint.live


def test_a_literal_secret_is_refused_without_echoing_it():
    with pytest.raises(ConfigError) as info:
        load(["exchange.binance.api_secret=hunter2-very-secret"])
    assert info.value.key == "exchange.binance.api_secret"
    assert "hunter2" not in str(info.value)
    assert "environment" in str(info.value)


def test_secrets_resolve_from_the_environment(monkeypatch):
    monkeypatch.setenv("BINANCE_API_KEY", "key-from-env-123")
    _, app = load([])
    assert app.exchange["binance"].api_key == "key-from-env-123"
    assert "key-from-env-123" not in repr(app)


def test_an_unset_required_variable_is_named():
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE_42"):
        load(["exchange.binance.api_key=${oc.env:NOT_SET_ANYWHERE_42}"])


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("5m", 300), ("1h", 3600), ("250ms", 0.25), ("12", 12)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0s", "-1s", "soon", ""])
def test_bad_durations(text):
    with pytest.raises(ConfigError):
        parse_duration(text)
