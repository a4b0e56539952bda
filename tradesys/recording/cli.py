"""``python -m tradesys.recording``: look into a recording, and export it for other tools.

    python -m tradesys.recording ls RECORDING                 every file: partition, rows, bytes, time range
    python -m tradesys.recording info RECORDING               time range, counts per kind and symbol, gaps
    python -m tradesys.recording export RECORDING --out F     Parquet or CSV, filtered by kind, symbol, time
    python -m tradesys.recording replay RUN                   the venue's raw frames through its own connector:
                                                              the books equal the run's, level for level?

RECORDING is a recording's directory, or a run directory holding one (``recordings/``). A file that is not
a recording of this version, or a directory with none, is one line on stderr and exit status 2; a file cut
short by a crash is read up to its last whole batch (and said so in the log).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from tradesys.config.errors import ConfigError
from tradesys.messages import MessageKind
from tradesys.recording.reader import RecordingMissingError, RecordingVersionError, read_file, recording_files
from tradesys.recording.schema import RECORD_SCHEMA

log = logging.getLogger(__name__)
KIND_NAMES = {value: name.removeprefix("MESSAGE_KIND_").lower() for name, value in MessageKind.items()}
LIST_COLUMNS = [field.name for field in RECORD_SCHEMA if pa.types.is_list(field.type)]


def root_of(path: Path | str) -> Path:
    """The recording under ``path``: itself, or its ``recordings/`` (a run directory)."""
    path = Path(path)
    if not path.is_dir():
        raise RecordingMissingError(f"{path}: no such directory")
    if (path / "recordings").is_dir() and not recording_files(path):
        path = path / "recordings"
    if not recording_files(path):
        raise RecordingMissingError(f"{path}: no recording files (<kind>/<venue>/<symbol>/<date>/*.arrows) here")
    return path


def _iso(ns: int | None) -> str:
    if ns is None:
        return "-"
    return dt.datetime.fromtimestamp(ns / 1e9, dt.timezone.utc).isoformat(timespec="milliseconds")


def parse_time(text: str) -> int:
    """ns since the epoch from an integer of ns or an ISO 8601 time (UTC when it names no zone)."""
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither ns since the epoch nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp() * 1e9)


def _span(table: pa.Table) -> tuple[int | None, int | None]:
    if table.num_rows == 0:
        return None, None
    bounds = pc.min_max(table.column("record_ts"))
    return bounds["min"].as_py(), bounds["max"].as_py()


def cmd_ls(args) -> int:
    root = root_of(args.recording)
    print(f"{'partition (kind/venue/symbol/date)':<58} {'file':<44} {'rows':>9} {'bytes':>11}  first .. last")
    for path in recording_files(root):
        table = read_file(path)
        first, last = _span(table)
        part = "/".join(path.relative_to(root).parts[:4])
        print(f"{part:<58} {path.name:<44} {table.num_rows:>9,} {path.stat().st_size:>11,}  {_iso(first)} .. "
              f"{_iso(last)}")
    return 0


def cmd_info(args) -> int:
    root = root_of(args.recording)
    files = recording_files(root)
    per_kind_symbol: Counter = Counter()
    seqs: dict[tuple[str, int], list[int]] = {}     # (topic, session) -> [lowest, highest, rows]
    first = last = None
    rows = 0
    for index, path in enumerate(files, 1):
        print(f"[{index}/{len(files)}] {path.relative_to(root)}", file=sys.stderr)
        table = read_file(path).select(["topic", "session", "seq", "kind", "symbol", "connection", "record_ts"])
        # A raw frame has no symbol: its connection stands in the symbol's place.
        table = table.set_column(table.schema.get_field_index("symbol"), "symbol",
                                 pc.coalesce(table.column("symbol"), table.column("connection")))
        rows += table.num_rows
        start, end = _span(table)
        if start is not None:
            first, last = min(first or start, start), max(last or end, end)
        for kind, symbol, count in _counts(table):
            per_kind_symbol[(KIND_NAMES.get(kind, str(kind)), symbol or "-")] += count
        for topic, session, lowest, highest, count in _topic_spans(table):
            entry = seqs.setdefault((topic, session), [lowest, highest, 0])
            entry[0], entry[1], entry[2] = min(entry[0], lowest), max(entry[1], highest), entry[2] + count
    gaps = {f"{topic} (session {session})": highest - lowest + 1 - count
            for (topic, session), (lowest, highest, count) in sorted(seqs.items()) if highest - lowest + 1 > count}
    print(f"recording {root}: {len(files)} files, {rows:,} messages, {_iso(first)} .. {_iso(last)}"
          + (f" ({(last - first) / 1e9:,.1f} s)" if first is not None else ""))
    print(f"\n{'kind':<16} {'symbol or connection':<24} {'messages':>10}")
    for (kind, symbol), count in sorted(per_kind_symbol.items()):
        print(f"{kind:<16} {symbol:<24} {count:>10,}")
    print(f"\ngaps (sequence numbers missing between a topic's first and last recorded message): "
          f"{sum(gaps.values()):,} in {len(gaps)} of {len(seqs)} topics")
    for topic, missing in gaps.items():
        print(f"  {topic}: {missing:,} missing")
    return 0


def _counts(table: pa.Table):
    grouped = table.group_by(["kind", "symbol"]).aggregate([("seq", "count")])
    return zip(grouped.column("kind").to_pylist(), grouped.column("symbol").to_pylist(),
               grouped.column("seq_count").to_pylist())


def _topic_spans(table: pa.Table):
    grouped = table.group_by(["topic", "session"]).aggregate([("seq", "min"), ("seq", "max"), ("seq", "count")])
    return zip(*(grouped.column(name).to_pylist() for name in ("topic", "session", "seq_min", "seq_max",
                                                                "seq_count")))


def _selected(table: pa.Table, args) -> pa.Table:
    """The rows of ``args``' venue and symbol (the typed columns: an order event's partition is its strategy)
    and time range."""
    mask = None
    for condition in (pc.greater_equal(table.column("record_ts"), args.since) if args.since is not None else None,
                      pc.less(table.column("record_ts"), args.until) if args.until is not None else None,
                      pc.equal(table.column("venue"), args.venue) if args.venue else None,
                      pc.equal(table.column("symbol"), args.symbol) if args.symbol else None):
        if condition is not None:
            mask = condition if mask is None else pc.and_(mask, condition)
    return table if mask is None else table.filter(mask)


def _for_csv(table: pa.Table) -> pa.Table:
    """CSV has no binary or list cells: the body goes (it is protobuf), a raw frame's bytes become its text,
    each level list becomes JSON text."""
    table = table.drop_columns(["body"])
    frames = table.column("frame").to_pylist()
    table = table.set_column(table.schema.get_field_index("frame"), "frame",
                             pa.array([None if f is None else f.decode("utf-8", "replace") for f in frames],
                                      pa.string()))
    for name in LIST_COLUMNS:
        values = [None if levels is None else json.dumps(levels) for levels in table.column(name).to_pylist()]
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values, pa.string()))
    return table


def cmd_export(args) -> int:
    root = root_of(args.recording)
    files = recording_files(root, kind=args.kind or "*")
    if not files:
        raise RecordingMissingError(f"{root}: no files of kind {args.kind}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer, rows = None, 0
    try:
        for index, path in enumerate(files, 1):
            table = _selected(read_file(path), args)
            if args.format == "csv":
                table = _for_csv(table)
            if writer is None:
                writer = (pq.ParquetWriter(str(out), table.schema) if args.format == "parquet"
                          else pcsv.CSVWriter(str(out), table.schema))
            writer.write_table(table)
            rows += table.num_rows
            print(f"[{index}/{len(files)}] {path.relative_to(root)}: {table.num_rows:,} rows", file=sys.stderr)
    finally:
        if writer is not None:
            writer.close()
    print(f"{rows:,} rows from {len(files)} files -> {out} ({args.format})")
    return 0


def cmd_replay(args) -> int:
    from omegaconf import OmegaConf

    from tradesys.config.load import load
    from tradesys.recording.books import compare, published_states, replayed_states

    run = Path(args.recording)
    root = root_of(run)
    overrides = run / ".hydra" / "overrides.yaml"
    if not overrides.is_file():
        raise RecordingMissingError(f"{run}: no .hydra/overrides.yaml: replay takes a run directory (its "
                                    f"configuration says how the venue was read)")
    app = load(list(OmegaConf.load(overrides)))[1]
    keys = [args.venue] if args.venue else sorted(app.exchange)
    identical = True
    for key in keys:
        if key not in app.exchange:
            raise RecordingMissingError(f"{run}: the run had no exchange {key!r} (it had {', '.join(app.exchange)})")
        config = app.exchange[key]
        print(f"{key}: replaying {config.venue}'s raw frames through its subscriber...", file=sys.stderr)
        result = compare(published_states(root, config.venue), asyncio.run(replayed_states(root, config)))
        for symbol, count in sorted(result.compared.items()):
            differ = result.differ[symbol]
            print(f"{key} {symbol}: {count:,} book states compared, {len(differ):,} differ"
                  + (f" (first at update id {differ[0]})" if differ else ""))
        print(f"{key}: {'identical' if result.identical else 'NOT identical'}")
        identical &= result.identical
    return 0 if identical else 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m tradesys.recording",
                                  description="Look into a recording of the bus, and export it for other tools. "
                                              "The columns are in docs/recording.md.",
                                  epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True)
    for name, run, text in (("ls", cmd_ls, "every file: its partition, rows, bytes and time range"),
                            ("info", cmd_info, "time range, message counts per kind and symbol, sequence gaps"),
                            ("export", cmd_export, "write the recording, or part of it, as Parquet or CSV"),
                            ("replay", cmd_replay, "the venue's raw frames through its own subscriber, on loopback; "
                                                   "exit 0 when every book equals the run's")):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("recording", help="a recording's directory, or a run directory holding one"
                             + (" (replay: the run directory)" if name == "replay" else ""))
        if name == "replay":
            command.add_argument("--venue", help="one exchange key of the run (default every one)")
        command.set_defaults(run=run)
        if name == "export":
            command.add_argument("--out", required=True, help="the file to write")
            command.add_argument("--format", choices=("parquet", "csv"), default="parquet")
            command.add_argument("--kind", help="one kind: book_delta, trade, order_event, ... (default all)")
            command.add_argument("--venue", help="rows of one venue (default all)")
            command.add_argument("--symbol", help="rows of one symbol, or a balance's asset (default all)")
            command.add_argument("--since", type=parse_time, help="from this time (ns or ISO 8601, UTC by default)")
            command.add_argument("--until", type=parse_time, help="before this time (ns or ISO 8601)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.run(args)
    except (RecordingMissingError, RecordingVersionError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:          # `... | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")      # noqa: SIM115 - Python flushes stdout at exit
        return 0
