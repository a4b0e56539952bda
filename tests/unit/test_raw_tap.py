"""A service's tap on its venue connections: frames published as they arrived, nothing that authenticates."""

from tradesys.messages import RawFrame
from tradesys.services.raw import RawTap


class Publisher:
    def __init__(self):
        self.sent = []

    def publish_message(self, topic, message, venue_ts=0, recv_ts=0):
        self.sent.append((topic, message, recv_ts))


def test_a_frame_is_published_on_its_connections_topic_with_its_receive_time():
    publisher, count = Publisher(), {}
    tap = RawTap(publisher, "binance", count)
    tap("binance-public-0", "ws://h/public/stream", '{"e":"depthUpdate"}', 17)
    [(topic, frame, recv_ts)] = publisher.sent
    assert (topic, recv_ts) == ("raw.binance.binance-public-0", 17)
    assert frame == RawFrame(venue="binance", connection="binance-public-0", stream="ws://h/public/stream",
                             data=b'{"e":"depthUpdate"}')
    assert count == {"raw": 1, "raw_withheld": 0}


def test_frames_that_carry_a_credential_are_withheld_and_counted():
    publisher, count = Publisher(), {}
    tap = RawTap(publisher, "deribit", count, private=True)
    for text in ('{"result":{"access_token":"x","refresh_token":"y"}}', '{"e":"listenKeyExpired","listenKey":"k"}',
                 '{"result":{"apiKey":"k"}}', '{"params":{"signature":"s"}}'):
        tap("c", "wss://h/ws", text, 1)
    assert publisher.sent == [] and count == {"raw": 0, "raw_withheld": 4}


def test_a_private_connections_url_loses_its_query_and_a_public_one_keeps_it():
    publisher = Publisher()
    RawTap(publisher, "binance", {}, private=True)("binance-private", "wss://h/ws?listenKey=SECRETKEY", "{}", 1)
    RawTap(publisher, "binance", {})("binance-rest", "https://h/fapi/v1/depth?symbol=BTCUSDT&limit=1000", "{}", 1)
    assert [frame.stream for _, frame, _ in publisher.sent] == [
        "wss://h/ws", "https://h/fapi/v1/depth?symbol=BTCUSDT&limit=1000"]
