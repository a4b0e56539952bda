"""``python run.py mode=backtest recording=<run dir>``: the configured strategies, each in its own
``StrategyActor`` with its Mini OMS and limits, against the simulated exchange fed by the recording.

One process, no Ray and no sockets: the recorded market messages are read in time order; each goes into the
simulated exchange at its time (``liquidity.py``) and reaches the strategies that subscribe to it one feed
latency later; their orders reach the exchange one order latency after they are sent, and the answers come
back after another (``venue.py``). Time is the simulated clock's, which jumps from one event to the next:
the run goes as fast as the CPU allows, and the same recording, configuration and seed give the same result.
"""

from __future__ import annotations

import heapq
import logging
import sys
import time
from decimal import Decimal
from pathlib import Path

from tradesys.backtest.clock import Scheduler, SimClock
from tradesys.backtest.instruments import InstrumentError, venue_instruments
from tradesys.backtest.latency import LatencyError, LatencyModel, LatencySettings
from tradesys.backtest.liquidity import RecordedLiquidity
from tradesys.backtest.progress import Progress
from tradesys.backtest.queue import QueueModel
from tradesys.backtest.record import BacktestRecorder
from tradesys.backtest.summary import write_summary
from tradesys.backtest.tape import Tape, recording_root
from tradesys.backtest.venue import BacktestVenue
from tradesys.bus.pubsub import Envelope
from tradesys.config import AppConfig, ConfigError
from tradesys.launcher.plan import strategy_settings
from tradesys.messages import BookDelta, BookSnapshot, CancelAll, Header, OrderRequest, Trade
from tradesys.recording.reader import RecordingMissingError, RecordingVersionError
from tradesys.risk import GateLimits, KillSwitch, RiskGate
from tradesys.sim.exchange import SimExchange
from tradesys.strategy.actor import StrategyActor
from tradesys.venue.ids import base36
from tradesys.venue.registry import get_simulator

log = logging.getLogger(__name__)
NS = 1_000_000_000
BAD_INPUT = 2


class BacktestError(ValueError):
    """The backtest cannot run on what it was given (the message says which file or key, and why)."""


# What a strategy's dispatch reads of a message besides its body is the header: order events need none.
NO_HEADER = Envelope("", Header(), b"", 0)


class VenueRun:
    """One venue of the backtest: its simulated exchange, the recorded market in it, the strategies on it."""

    def __init__(self, name: str, venue_key: str, exchange: SimExchange, liquidity: RecordedLiquidity,
                 venue: BacktestVenue, tape: Tape):
        self.name = name
        self.venue_key = venue_key
        self.exchange = exchange
        self.liquidity = liquidity
        self.venue = venue
        self.tape = tape
        self.subscribers: dict[str, list[str]] = {}     # topic -> strategy ids


class Backtest:
    def __init__(self, app: AppConfig, run_dir: Path):
        config = app.backtest
        self.app = app
        self.run_dir = run_dir
        self.root = recording_root(config.recording)
        self.clock = SimClock()
        self.scheduler = Scheduler(self.clock)
        summary = (self.root.parent if self.root.name == "recordings" else self.root) / "summary.json"
        self.latency = LatencyModel(LatencySettings(config.latency.model, config.latency.feed_ms,
                                                    config.latency.order_ms, config.seed), summary)
        self.queue = QueueModel(config.queue.model, config.queue.power)
        self.actors: dict[str, StrategyActor] = {}
        self.clients: dict = {}
        self.venues: list[VenueRun] = []
        self._last_delivery: dict[str, int] = {}
        self.recorder = BacktestRecorder(run_dir)
        self._venue_of: dict[str, str] = {}       # strategy id -> its venue's name
        settings = strategy_settings(app)
        if not settings:
            raise BacktestError("no strategy to backtest: the selected venues (exchange=...) have none configured")
        for venue_key in dict.fromkeys(s.venue_key for s in settings.values()):
            group = {sid: s for sid, s in settings.items() if s.venue_key == venue_key}
            self.venues.append(self._venue(venue_key, group))

    def _venue(self, venue_key: str, group: dict) -> VenueRun:
        config = self.app.backtest
        name = self.app.exchange[venue_key].venue
        symbols = sorted({symbol for s in group.values() for symbol in s.config.symbols})
        instruments = venue_instruments(name, symbols, config.maker_fee, config.taker_fee)
        exchange = SimExchange([sim for sim, _ in instruments.values()], seed=config.seed, clock=self.clock.time_ns,
                               **get_simulator(name).matching)
        liquidity = RecordedLiquidity(exchange, self.queue)
        gate = RiskGate(GateLimits.from_config(self.app.risk), KillSwitch(name))    # the engine's, as live
        venue = BacktestVenue(name, exchange, self.scheduler, self.latency.order, self._deliver, gate)
        tape = Tape(self.root, name, symbols)
        missing = [s for s in symbols if s not in tape.symbols_with_books]
        if missing:
            raise BacktestError(f"{self.root}: no {name} book of {', '.join(missing)} in this recording (it has "
                                f"{', '.join(sorted(tape.symbols_with_books)) or 'no ' + name + ' books'})")
        run = VenueRun(name, venue_key, exchange, liquidity, venue, tape)
        messages = {symbol: message for symbol, (_, message) in instruments.items()}
        for strategy_id, settings in group.items():
            actor = StrategyActor(strategy_id, settings, self.clock)
            client = venue.open_account(strategy_id, tuple(settings.config.symbols), Decimal(str(config.balance)))
            actor.host({s: messages[s] for s in settings.config.symbols}, client,
                       session=base36(config.seed * 7919 + len(self.actors) + 1))
            self.actors[strategy_id] = actor
            self.clients[strategy_id] = client
            self._venue_of[strategy_id] = name
            for topic in actor.market_topics():
                run.subscribers.setdefault(topic, []).append(strategy_id)
        return run

    # -- the run ---------------------------------------------------------------------------

    def run(self, progress: Progress | None = None) -> dict:
        spans = [run.tape.span() for run in self.venues if len(run.tape)]
        if not spans:
            raise BacktestError(f"{self.root}: the recording holds no market data of the backtest's symbols")
        start, end = min(s[0] for s in spans), max(s[1] for s in spans)
        self.clock.now_ns = start
        wall = time.perf_counter()
        for actor in self.actors.values():
            actor.callback("on_start")
            self.scheduler.after(int(actor.settings.strategy_class.timer_seconds * NS), self._timer, actor, end)
        self.scheduler.after(NS, self._positions, end)
        rows = heapq.merge(*(self._rows(run) for run in self.venues), key=lambda item: item[0].time_ns)
        messages = 0
        for row, run in rows:
            self.scheduler.run_until(row.time_ns)
            self._market(run, row)
            messages += 1
            if progress is not None and messages % 512 == 0:
                progress.update(self.clock.now_ns - start, end - start, messages, self._fills())
        self.scheduler.run_until(end)
        self._stop(end)
        self.recorder.close()
        return write_summary(self, start, end, messages, time.perf_counter() - wall)

    @staticmethod
    def _rows(run: VenueRun):
        for row in run.tape.rows():
            yield row, run

    def _market(self, run: VenueRun, row) -> None:
        message = row.message
        if isinstance(message, BookDelta):
            run.liquidity.delta(message)
        elif isinstance(message, BookSnapshot):
            run.liquidity.snapshot(message)
        elif isinstance(message, Trade):
            run.liquidity.trade(message)
        readers = run.subscribers.get(row.topic)
        if readers:
            envelope = Envelope(row.topic, Header(session=row.session, recv_ts=row.time_ns), b"", row.time_ns)
            for strategy_id in readers:
                # Each strategy reads its feed in order, whatever latency each message drew.
                when = max(self.clock.now_ns + self.latency.feed(), self._last_delivery.get(strategy_id, 0))
                self._last_delivery[strategy_id] = when
                self.scheduler.at(when, self.actors[strategy_id].dispatch, envelope, message)

    def _deliver(self, strategy_id: str, message) -> None:
        actor = self.actors[strategy_id]
        actor.dispatch(NO_HEADER, message)
        position = self.recorder.told(self._venue_of[strategy_id], actor, message, self.clock.now_ns)
        if position is not None:                  # the position server's answer to a fill
            actor.dispatch(NO_HEADER, position)

    def _timer(self, actor: StrategyActor, end: int) -> None:
        actor.callback("on_timer", self.clock.time())
        interval = int(actor.settings.strategy_class.timer_seconds * NS)
        if self.clock.now_ns + interval <= end:
            self.scheduler.after(interval, self._timer, actor, end)

    def _positions(self, end: int) -> None:
        """Every strategy's positions, marked to its books, every simulated second (the position server's)."""
        for strategy_id, actor in self.actors.items():
            for position in self.recorder.positions(self._venue_of[strategy_id], actor, self.clock.now_ns):
                actor.dispatch(NO_HEADER, position)
        if self.clock.now_ns + NS <= end:
            self.scheduler.after(NS, self._positions, end)

    def _stop(self, end: int) -> None:
        """As a live strategy stops: ``on_stop``, then cancel-all, and the answers let in for drain_seconds."""
        for run in self.venues:
            for strategy_id in run.venue.strategies:
                actor = self.actors[strategy_id]
                actor.callback("on_stop")
                actor.ctx.stopping = True
                request = OrderRequest(strategy_id=strategy_id, venue=run.name, cancel_all=CancelAll())
                request.request_id = self.clients[strategy_id].next_request_id()
                self.clients[strategy_id].submit(request, lambda _outcome: None)
        self.scheduler.run_until(end + int(self.app.backtest.drain_seconds * NS))
        for strategy_id, actor in self.actors.items():
            live = actor.oms.live_orders()
            if live:
                log.warning("orders still live after the backtest's stop", extra={"fields": {
                    "strategy": strategy_id, "orders": [o.client_order_id for o in live]}})

    def _fills(self) -> int:
        return sum(run.venue.count["fills"] for run in self.venues)


def run_backtest(app: AppConfig, run_dir: Path) -> int:
    """The backtest of ``app`` into ``run_dir``: 0 done, 2 bad input (one line on stderr), 1 it failed."""
    try:
        backtest = Backtest(app, run_dir)
    except (BacktestError, RecordingMissingError, RecordingVersionError, LatencyError, InstrumentError,
            ConfigError) as exc:
        print(f"backtest: {exc}", file=sys.stderr)
        log.info("backtest refused", extra={"fields": {"error": str(exc)}})
        return BAD_INPUT
    progress = Progress(app.status.display.value)
    try:
        summary = backtest.run(progress)
    except (BacktestError, RecordingVersionError) as exc:
        print(f"backtest: {exc}", file=sys.stderr)
        return BAD_INPUT
    except Exception:
        log.exception("backtest failed")
        print(f"backtest failed: see {run_dir / 'logs'}", file=sys.stderr)
        return 1
    progress.finish()
    print(Progress.table(summary), file=sys.stderr)
    print(f"summary: {run_dir / 'summary.json'}", file=sys.stderr)
    return 0
