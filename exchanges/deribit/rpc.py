"""One Deribit WebSocket as a JSON-RPC client: requests matched to replies by id, notifications handed on,
heartbeats answered, the token kept fresh, and everything set up again after a reconnect.

``RpcSession`` sits on the shared reconnecting ``WsSession``. After every
(re)connect it runs its setup before anything else may use the socket:
``public/set_heartbeat``; ``public/auth`` (client_signature: the secret never
travels) when it has credentials; ``private/enable_cancel_on_disconnect``
when asked; then the owner's ``on_ready`` (its subscriptions). Only then is
it ``ready``. The access token is refreshed (grant ``refresh_token``) at
80 % of its lifetime; a refused refresh falls back to a fresh signature.
The venue's ``test_request`` heartbeats are answered with ``public/test``.

``call`` is at most once: it waits for ``ready`` (ConnectivityError if the
socket is not back in time: nothing was sent), then sends once. A request
that was sent but got no verdict (the socket dropped, or no reply within the
timeout) raises ``ExecutionUnknown`` for calls that may execute (orders) and
``VenueUnavailable`` for queries. Errors the venue answers are classified by
``errors.classify``; 10028 also blocks the account's limiter for a second.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import time
from collections.abc import Awaitable, Callable

import msgspec

from exchanges.deribit import auth
from exchanges.deribit import messages as m
from exchanges.deribit.constants import (
    HEARTBEAT_S,
    MATCHING_1S,
    MATCHING_METHODS,
    REQUEST_TIMEOUT_S,
    REQUESTS_1S,
    TOKEN_REFRESH_AT,
    UNMETERED_METHODS,
)
from exchanges.deribit.errors import classify
from tradesys import logs
from tradesys.aio import cancel_and_wait
from tradesys.venue.errors import (
    AuthError,
    ConnectivityError,
    ExchangeError,
    ExecutionUnknown,
    ProtocolError,
    RateLimited,
    VenueUnavailable,
)
from tradesys.venue.ratelimit import RateLimiter
from tradesys.venue.ws import WsSession

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode
SIGN_IN_AGAIN_AFTER_MS = 1_000   # a refused token signs in again at most this often (the rest reuse it)
# True inside a session's setup task: its calls (and the owner's on_ready's) go out before ``ready``.
_in_setup: contextvars.ContextVar[bool] = contextvars.ContextVar("deribit_rpc_in_setup", default=False)


class _Lost(Exception):
    """The socket closed while a request was waiting for its reply."""


class RpcSession:
    def __init__(self, name: str, url: str, *, credentials: auth.Credentials | None = None,
                 limiter: RateLimiter | None = None,
                 on_notification: Callable[[str, msgspec.Raw, int], None] | None = None,
                 on_ready: Callable[[RpcSession], Awaitable[None]] | None = None,
                 on_lost: Callable[[str], None] | None = None, heartbeat_s: float = HEARTBEAT_S,
                 request_timeout_s: float = REQUEST_TIMEOUT_S, cancel_on_disconnect: bool = False,
                 clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
                 verify_token_s: float | None = None):
        self.name = name
        self.credentials = credentials
        self.limiter = limiter
        self.on_notification = on_notification
        self.on_ready = on_ready
        self.on_lost = on_lost
        self.heartbeat_s = heartbeat_s
        self.request_timeout_s = request_timeout_s
        self.cancel_on_disconnect = cancel_on_disconnect
        self.clock_ms = clock_ms
        # A session that only listens (the private stream) never hears that its token lapsed: it asks a cheap
        # private question this often, so a refusal signs it in again (and ``on_signed_in_again`` is told).
        self.verify_token_s = verify_token_s
        self.on_signed_in_again: Callable[[str], None] | None = None
        self._verify_task: asyncio.Task | None = None
        self.ws = WsSession(name, url, self._on_message, on_open=self._on_open, on_close=self._on_close,
                            heartbeat_s=max(heartbeat_s, 10.0))
        self.ready = asyncio.Event()
        self.fatal: ExchangeError | None = None      # credentials the venue refuses: not retried
        self.token_expires_ms = 0
        self._refresh_token = ""
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._setup_task: asyncio.Task | None = None
        self._refresh_task: asyncio.Task | None = None
        self._signing_in = asyncio.Lock()
        self._signed_in_ms = 0
        self._tasks: set[asyncio.Task] = set()
        self.counters = {"requests": 0, "errors": 0, "no_verdict": 0, "test_requests": 0, "token_refreshes": 0,
                         "reauths": 0, "setup_failures": 0, "malformed": 0, "notifications": 0}

    # -- life --------------------------------------------------------------------------

    async def start(self, wait_s: float = 10.0) -> None:
        """Connect and set up; raise AuthError for refused credentials, ConnectivityError if not ready in time."""
        await self.ws.start(wait_s=None)
        try:
            await asyncio.wait_for(self.ready.wait(), wait_s)
        except TimeoutError:
            if self.fatal is not None:
                raise self.fatal from None
            raise ConnectivityError(f"{self.name}: not ready within {wait_s} s", request="connect",
                                    venue_message=self.ws.last_error) from None
        if self.fatal is not None:
            raise self.fatal

    async def stop(self) -> None:
        await cancel_and_wait(self._setup_task)
        await cancel_and_wait(self._refresh_task)
        await cancel_and_wait(self._verify_task)
        for task in list(self._tasks):
            await cancel_and_wait(task)
        await self.ws.stop()
        self._fail_pending("stopped")

    @property
    def reconnects(self) -> int:
        return max(0, self.ws.counters["connects"] - 1)

    # -- requests ----------------------------------------------------------------------

    async def call(self, method: str, params: dict | None = None, *, may_execute: bool = False,
                   timeout_s: float | None = None) -> msgspec.Raw:
        """Send one request once the session is ready and return its raw ``result``."""
        if not self.ready.is_set() and not _in_setup.get():
            try:
                await asyncio.wait_for(self.ready.wait(), timeout_s or self.request_timeout_s)
            except TimeoutError:
                raise ConnectivityError(f"{self.name}: not connected", request=method,
                                        venue_message=self.ws.last_error) from None
        try:
            return await self._call(method, params or {}, may_execute=may_execute, timeout_s=timeout_s)
        except AuthError as exc:
            if self.credentials is None or not method.startswith("private/") or _in_setup.get():
                raise
            # The token lapsed before its refresh came (the venue expired it early): sign in again now and send
            # the request once more; an auth refusal means it was not executed.
            await self._sign_in_again(f"{method} refused: {exc}")
            return await self._call(method, params or {}, may_execute=may_execute, timeout_s=timeout_s)

    async def _sign_in_again(self, why: str) -> None:
        """One fresh sign-in for every request that found the token refused at about the same time."""
        async with self._signing_in:
            if self.clock_ms() - self._signed_in_ms < SIGN_IN_AGAIN_AFTER_MS:
                return            # another request just did it
            log.warning("%s: %s: signing in again", self.name, why)
            await self._authenticate()
            self.counters["reauths"] += 1
        if self.on_signed_in_again is not None:
            self.on_signed_in_again(why)

    async def _verify_token(self) -> None:
        _in_setup.set(False)    # started from the setup task: its copy of the context says "in setup"
        while True:
            await asyncio.sleep(self.verify_token_s)
            try:
                await self.call("private/get_open_orders", {})
            except ExchangeError as exc:       # a lapsed token is signed in again inside ``call``
                log.warning("%s: token check failed: %s", self.name, exc)

    async def _call(self, method: str, params: dict, *, may_execute: bool, timeout_s: float | None) -> msgspec.Raw:
        if self.limiter is not None and method not in UNMETERED_METHODS:
            await self.limiter.acquire({MATCHING_1S if method in MATCHING_METHODS else REQUESTS_1S: 1}, method)
        rid = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            await self.ws.send(_encode({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).decode())
        except ConnectivityError:
            self._pending.pop(rid, None)
            raise
        self.counters["requests"] += 1
        try:
            reply: m.Envelope = await asyncio.wait_for(future, timeout_s or self.request_timeout_s)
        except (TimeoutError, _Lost) as exc:
            self._pending.pop(rid, None)
            self.counters["no_verdict"] += 1
            why = "no reply in time" if isinstance(exc, TimeoutError) else f"connection lost: {exc}"
            if may_execute:
                raise ExecutionUnknown(f"{self.name}: {why}", request=method) from None
            raise VenueUnavailable(f"{self.name}: {why}", request=method) from None
        if reply.error is not None:
            self.counters["errors"] += 1
            error = classify(reply.error.code, reply.error.message, reply.error.data, request=method)
            if isinstance(error, RateLimited) and self.limiter is not None:
                await self.limiter.throttled(error.retry_after_s, f"{method}: {reply.error.message}")
            raise error
        if not reply.result:
            raise ProtocolError(f"{self.name}: a reply with neither result nor error", request=method)
        return reply.result

    def _fail_pending(self, reason: str) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(_Lost(reason))
                future.exception()   # retrieved: a waiter that was cancelled must not make it a warning

    # -- setup after every connect -------------------------------------------------------

    async def _on_open(self, session: WsSession) -> None:
        # Replies are read only after on_open returns: the setup that waits for them runs as its own task.
        self._setup_task = asyncio.create_task(self._setup(), name=f"{self.name}-setup")

    async def _setup(self) -> None:
        _in_setup.set(True)   # this task's own context: other callers still wait for ready
        try:
            await self._call("public/set_heartbeat", {"interval": self.heartbeat_s}, may_execute=False, timeout_s=None)
            if self.credentials is not None:
                await self._authenticate()
            if self.cancel_on_disconnect:
                await self._call("private/enable_cancel_on_disconnect", {"scope": "connection"}, may_execute=False,
                                 timeout_s=None)
            if self.on_ready is not None:
                await self.on_ready(self)
        except AuthError as exc:
            self.fatal = exc
            self.counters["setup_failures"] += 1
            log.error("%s: authentication refused: %s", self.name, exc)
            self.ready.set()   # wake start(), which raises the fatal error
            await self.ws.stop()
            return
        except (ExchangeError, msgspec.ValidationError, msgspec.DecodeError) as exc:
            self.counters["setup_failures"] += 1
            log.warning("%s: setup failed (%s): reconnecting", self.name, exc)
            await self.ws.reconnect(f"setup failed: {exc}")
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in an owner's on_ready: logged, and the session tries again
            self.counters["setup_failures"] += 1
            log.exception("%s: setup failed", self.name)
            await self.ws.reconnect(f"setup failed: {type(exc).__name__}")
            return
        self.ready.set()
        if self.verify_token_s and self.credentials is not None and self._verify_task is None:
            self._verify_task = asyncio.create_task(self._verify_token(), name=f"{self.name}-token-check")

    async def _authenticate(self) -> None:
        params = auth.client_signature_params(self.credentials, self.clock_ms())
        result = m.decode(await self._call("public/auth", params, may_execute=False, timeout_s=None), m.AuthResult)
        self._token(result)
        self._signed_in_ms = self.clock_ms()

    def _token(self, result: m.AuthResult) -> None:
        self._refresh_token = result.refresh_token
        self.token_expires_ms = self.clock_ms() + result.expires_in * 1000
        logs.register_secret(result.access_token)
        logs.register_secret(result.refresh_token)
        if self._refresh_task is not None:
            self._refresh_task.cancel()
        self._refresh_task = asyncio.create_task(self._refresh_later(result.expires_in * TOKEN_REFRESH_AT),
                                                 name=f"{self.name}-token")

    async def _refresh_later(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        try:
            result = await self._call("public/auth", {"grant_type": "refresh_token",
                                                      "refresh_token": self._refresh_token},
                                      may_execute=False, timeout_s=None)
            self.counters["token_refreshes"] += 1
        except ExchangeError as exc:
            log.warning("%s: token refresh refused (%s): signing in again", self.name, exc)
            try:
                params = auth.client_signature_params(self.credentials, self.clock_ms())
                result = await self._call("public/auth", params, may_execute=False, timeout_s=None)
                self.counters["reauths"] += 1
            except ExchangeError as again:
                log.warning("%s: signing in again failed (%s): reconnecting", self.name, again)
                await self.ws.reconnect("token lost")
                return
        self._refresh_task = None
        self._token(m.decode(result, m.AuthResult))

    def _on_close(self, reason: str) -> None:
        self.ready.clear()
        if self._setup_task is not None:
            self._setup_task.cancel()
        if self._refresh_task is not None:
            self._refresh_task.cancel()
            self._refresh_task = None
        if self._verify_task is not None:
            self._verify_task.cancel()
            self._verify_task = None
        self._fail_pending(reason)
        if self.on_lost is not None:
            self.on_lost(reason)

    # -- frames ------------------------------------------------------------------------

    def _on_message(self, text: str, recv_ns: int) -> None:
        try:
            frame = m.envelope_decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            self.counters["malformed"] += 1
            log.warning("%s: malformed frame: %.200s", self.name, text)
            return
        if frame.method == "subscription":
            note = frame.params
            if note is None or not note.channel or not note.data:
                self.counters["malformed"] += 1
                log.warning("%s: malformed notification: %.200s", self.name, text)
                return
            self.counters["notifications"] += 1
            if self.on_notification is not None:
                self.on_notification(note.channel, note.data, recv_ns)
        elif frame.method == "heartbeat":
            self._heartbeat(frame)
        elif frame.id is not None:
            future = self._pending.pop(frame.id, None) if isinstance(frame.id, int) else None
            if future is not None and not future.done():
                future.set_result(frame)

    def _heartbeat(self, frame: m.Envelope) -> None:
        kind = frame.params.type if frame.params is not None else ""
        if kind == "test_request":
            self.counters["test_requests"] += 1
            task = asyncio.create_task(self._answer_test(), name=f"{self.name}-test")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer_test(self) -> None:
        try:
            await self._call("public/test", {}, may_execute=False, timeout_s=None)
        except ExchangeError as exc:
            log.warning("%s: answering the heartbeat failed: %s", self.name, exc)
