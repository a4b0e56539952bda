"""A service's tap on its venue connections: every frame as it arrived, published as a ``RawFrame`` on
``raw.<venue>.<connection>`` for the recorder (what a replay feeds the same parsers again).

Nothing that authenticates is published: a frame that carries a credential (a sign-in's tokens, a listen
key, an API key, a signature) is withheld and counted, and a private connection's URL is kept without its
query (Binance puts the listen key there)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tradesys.bus import topics
from tradesys.messages import RawFrame

# JSON keys whose value lets whoever holds it act or read as the account.
CREDENTIAL_KEYS = ('"access_token"', '"refresh_token"', '"listenKey"', '"apiKey"', '"api_key"', '"signature"',
                   '"secret"')


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class RawTap:
    """``tap(connection, stream, text, recv_ts)``, the ``on_raw`` of a venue connection; ``count`` gets
    ``raw`` (published) and ``raw_withheld``."""

    def __init__(self, publisher, venue: str, count: dict[str, int], *, private: bool = False):
        self.publisher = publisher
        self.venue = venue
        self.count = count
        self.private = private
        self._topics: dict[str, str] = {}        # connection -> its topic
        count.setdefault("raw", 0)
        count.setdefault("raw_withheld", 0)

    def __call__(self, connection: str, stream: str, text: str, recv_ts: int) -> None:
        if any(key in text for key in CREDENTIAL_KEYS):
            self.count["raw_withheld"] += 1
            return
        topic = self._topics.get(connection)
        if topic is None:
            topic = self._topics[connection] = topics.raw(self.venue, connection)
        self.publisher.publish_message(topic, RawFrame(venue=self.venue, connection=connection,
                                                       stream=without_query(stream) if self.private else stream,
                                                       data=text.encode()), 0, recv_ts)
        self.count["raw"] += 1
