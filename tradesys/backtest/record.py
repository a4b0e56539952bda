"""A backtest's own recording, written as a live run's recorder writes its topics: every order event and fill
a strategy was told (``oe.<venue>.<strategy>``), and each strategy's position per symbol
(``pos.<venue>.<symbol>``) after each of its fills and every simulated second, marked to the mid of its
book, as the position server publishes them (and tells the strategies: ``on_position``). The run report
(``python -m tradesys.report``) reads a backtest as it reads a run; the recorded market stays in the
recording the backtest replayed."""

from __future__ import annotations

from pathlib import Path

from tradesys.bus import topics
from tradesys.bus.pubsub import Envelope
from tradesys.messages import KIND_OF, Fill, Header, Position
from tradesys.positions.ledger import position_message
from tradesys.recording.writer import RecordingWriter


class BacktestRecorder:
    def __init__(self, run_dir: Path):
        self.writer = RecordingWriter(run_dir / "recordings", "backtest")
        self._seq: dict[str, int] = {}        # topic -> its last sequence number

    def told(self, venue: str, actor, message, now_ns: int) -> Position | None:
        """``message`` (an order event or fill) reached ``actor``'s strategy; after a fill, its position (returned,
        for the strategy to be told as the position server would tell it)."""
        self._write(topics.oe(venue, actor.strategy_id), message, now_ns)
        if isinstance(message, Fill):
            return self.position(venue, actor, message.symbol, now_ns)
        return None

    def positions(self, venue: str, actor, now_ns: int) -> list[Position]:
        return [self.position(venue, actor, symbol, now_ns) for symbol in actor.symbols]

    def position(self, venue: str, actor, symbol: str, now_ns: int) -> Position:
        message = position_message(actor.holdings.ledgers[symbol], venue, "backtest", actor.books.mid(symbol))
        self._write(topics.pos(venue, symbol), message, now_ns)
        return message

    def close(self) -> None:
        self.writer.close()

    def _write(self, topic: str, message, now_ns: int) -> None:
        seq = self._seq[topic] = self._seq.get(topic, 0) + 1
        header = Header(seq=seq, session=1, kind=KIND_OF[type(message)], source="backtest", recv_ts=now_ns,
                        publish_ts=now_ns)
        self.writer.add([Envelope(topic, header, message.SerializeToString(), now_ns)])
