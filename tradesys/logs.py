"""Logging: one JSON object a line into the run directory, readable lines on the console.

Each record is ``{"ts", "level", "actor", "event", "logger", "fields"}`` (+
``"exc"``); ``ts`` is ISO-8601 UTC with microseconds. Structured values go in
``extra={"fields": {...}}``. Every handler this module installs carries the
redaction filter: a registered secret value is replaced by ``***`` in the
message, the fields and the exception text, whichever process logs it.
"""

from __future__ import annotations

import datetime as _dt
import logging
import sys
import threading
from pathlib import Path

import msgspec

REDACTED = "***"
_json = msgspec.json.Encoder()
_lock = threading.Lock()
_secrets: set[str] = set()
# Shorter values would redact ordinary words; no real key or secret is this short.
MIN_SECRET_LENGTH = 6


def register_secret(value: str | None) -> None:
    """Redact ``value`` from every log line written from now on in this process."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Replace every registered secret in ``text``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(v) for v in value]
    return value


class RedactionFilter(logging.Filter):
    """Rewrites a record so no registered secret survives in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            record.msg = redact(record.getMessage())
            record.args = None
            fields = getattr(record, "fields", None)
            if fields:
                record.fields = _redact_value(fields)
            if record.exc_info:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, actor: str):
        super().__init__()
        self.actor = actor

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": _dt.datetime.fromtimestamp(record.created, _dt.timezone.utc).isoformat(timespec="microseconds"),
            "level": record.levelname,
            "actor": self.actor,
            "event": record.getMessage(),
            "logger": record.name,
            "fields": getattr(record, "fields", None) or {},
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return _json.encode(entry).decode()


class ConsoleFormatter(logging.Formatter):
    """``HH:MM:SS LEVEL actor: event key=value ...``"""

    def __init__(self, actor: str):
        super().__init__()
        self.actor = actor

    def format(self, record: logging.LogRecord) -> str:
        clock = _dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = getattr(record, "fields", None) or {}
        tail = "".join(f" {k}={v}" for k, v in fields.items())
        line = f"{clock} {record.levelname:<7} {self.actor}: {record.getMessage()}{tail}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        return f"{line}\n{record.exc_text}" if record.exc_text else line


def setup(actor: str, run_dir: Path | None, level: str = "INFO", console: bool = True,
          console_level: str | None = None) -> Path | None:
    """Install this process's handlers (replacing earlier ones); return the JSON log file's path.

    The JSON log goes to ``run_dir/logs/<actor>.jsonl``; console lines go to
    stderr, from ``console_level`` up (default: ``level``).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_tradesys", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    redaction = RedactionFilter()
    path = None
    if run_dir is not None:
        path = Path(run_dir) / "logs" / f"{actor}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(path, encoding="utf-8")
        file_handler.setFormatter(JsonFormatter(actor))
        _install(root, file_handler, redaction)
    if console:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setLevel(console_level or level)
        console_handler.setFormatter(ConsoleFormatter(actor))
        _install(root, console_handler, redaction)
    return path


def _install(root: logging.Logger, handler: logging.Handler, redaction: RedactionFilter) -> None:
    handler.addFilter(redaction)
    handler._tradesys = True
    root.addHandler(handler)
