"""Loads recordings back as pyarrow Tables and decodes their bodies."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from tradesys.bus.frame import WIRE_VERSION
from tradesys.messages import decode_body
from tradesys.recording.schema import FILE_SUFFIX, RECORD_SCHEMA, SCHEMA_KEY, SCHEMA_VERSION, WIRE_KEY

log = logging.getLogger(__name__)


class RecordingVersionError(ValueError):
    """A recording written by a tradesys whose bus format or columns this one does not read."""


class RecordingMissingError(FileNotFoundError):
    """No recording where one was named."""


def recording_files(root: Path | str, kind: str = "*", venue: str = "*", symbol: str = "*",
                    date: str = "*") -> list[Path]:
    """Return the recording files under ``root`` that match the partition filters (glob patterns)."""
    return sorted(Path(root).glob(f"{kind}/{venue}/{symbol}/{date}/*{FILE_SUFFIX}"))


def read_file(path: Path | str) -> pa.Table:
    """Read one recording file. A batch cut short by a crash ends the table there, with a warning."""
    batches = []
    with pa.OSFile(str(path), "rb") as source:
        try:
            reader = pa.ipc.open_stream(source)
        except pa.ArrowInvalid:
            log.warning("recording file has no complete schema; skipped", extra={"fields": {"path": str(path)}})
            return RECORD_SCHEMA.empty_table()
        metadata = reader.schema.metadata or {}
        version = metadata.get(WIRE_KEY, b"1").decode()
        if version != str(WIRE_VERSION):
            raise RecordingVersionError(f"{path}: recorded with bus wire version {version}, and this tradesys "
                                        f"reads version {WIRE_VERSION} (its bodies number their fields otherwise)")
        columns = metadata.get(SCHEMA_KEY, b"1").decode()
        if columns != str(SCHEMA_VERSION):
            raise RecordingVersionError(f"{path}: written with recording schema {columns}, and this tradesys reads "
                                        f"schema {SCHEMA_VERSION} (the typed columns beside each body, "
                                        f"docs/recording.md)")
        while True:
            try:
                batches.append(reader.read_next_batch())
            except StopIteration:
                break
            except (pa.ArrowInvalid, OSError) as exc:
                log.warning("recording file ends in a partial batch; read up to it",
                            extra={"fields": {"path": str(path), "batches": len(batches), "why": str(exc)}})
                break
    return pa.Table.from_batches(batches, schema=RECORD_SCHEMA)


def read_recording(root: Path | str, **filters: str) -> pa.Table:
    """Read every file under ``root`` matching ``filters`` (kind, venue, symbol, date) into one Table."""
    tables = [read_file(path) for path in recording_files(root, **filters)]
    return pa.concat_tables(tables) if tables else RECORD_SCHEMA.empty_table()


def messages(table: pa.Table) -> Iterator[tuple[str, int, object]]:
    """Yield (topic, seq, decoded protobuf message) for every row."""
    for topic, seq, kind, body in zip(table.column("topic").to_pylist(), table.column("seq").to_pylist(),
                                      table.column("kind").to_pylist(), table.column("body").to_pylist()):
        yield topic, seq, decode_body(kind, body)
