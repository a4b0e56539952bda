"""The account streams' frames are recorded as they arrived, by the position servers, and the order entry's by
the engines (the venue's answers to our orders, the engine's own account stream and recovery queries); nothing
in them authenticates: no listen key, API key or token in a frame or a URL; the replay still reads only the
market servers' frames."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from tradesys.recording.reader import read_recording
from tradesys.recording.replay import raw_events

CREDENTIALS = ("listenKey", "apiKey", "access_token", "refresh_token", "signature")


def frames_of(run, venue: str, source: str) -> tuple[list[str], set[str], set[str]]:
    """The frames one service of the run kept, each stream's URL and each connection's name; checked first
    for anything that authenticates (a credential word in a frame or a URL, a URL with a query)."""
    table = read_recording(run / "recordings", kind="raw_frame", venue=venue)
    mine = table.filter(pc.equal(table.column("source"), source))
    frames = [f.decode() for f in mine.column("frame").to_pylist()]
    streams = set(mine.column("stream").to_pylist())
    for text in frames + sorted(streams):
        assert not any(word in text for word in CREDENTIALS), text[:300]
    assert all("?" not in stream for stream in streams)
    return frames, streams, set(mine.column("connection").to_pylist())


@pytest.mark.parametrize("fixture, venue, connection, marker", [
    ("recorded_run", "binance", "binance-private", "ORDER_TRADE_UPDATE"),
    ("deribit_run", "deribit", "deribit-private", "user.changes"),
    ("grvt_run", "grvt", "grvt-private", "v1.fill")])
def test_an_account_streams_frames_are_kept_without_anything_that_authenticates(request, fixture, venue, connection,
                                                                                marker):
    run = request.getfixturevalue(fixture)
    frames, streams, connections = frames_of(run, venue, f"positions-{venue}")
    assert connections == {connection}, streams
    assert any(marker in frame for frame in frames), frames[:5]
    # The replay serves the market servers' frames alone.
    assert {e.connection for e in raw_events(run / "recordings", venue)}.isdisjoint({connection})


@pytest.mark.parametrize("fixture, venue, marker", [
    ("recorded_run", "binance", '"clientOrderId"'),
    ("deribit_run", "deribit", '"order_state"'),
    ("grvt_run", "grvt", '"client_order_id"')])
def test_the_order_entrys_frames_are_kept_by_the_engine_without_anything_that_authenticates(request, fixture, venue,
                                                                                          marker):
    frames, streams, connections = frames_of(request.getfixturevalue(fixture), venue, f"engine-{venue}")
    assert sum(marker in frame for frame in frames) >= 5, (connections, streams)
