"""``python -m tradesys.recording`` as a user runs it, on a recording the writer made: ls, info (counts, time
range, gaps), export to Parquet and CSV with filters, one-line errors; and docs/recording.md's DuckDB example,
run as written."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tradesys.bus.pubsub import Envelope
from tradesys.messages import KIND_OF, Fill, Header, LevelsDelta, Side
from tradesys.numeric import set_decimal
from tradesys.recording import RecordingWriter, recording_files

ROOT = Path(__file__).resolve().parents[2]
START = 1_796_000_000_000_000_000           # ns: 2026-11-29T...


def envelope(topic: str, message, seq: int, ts: int) -> Envelope:
    header = Header(topic=topic, seq=seq, session=3, kind=KIND_OF[type(message)], source="t")
    return Envelope(topic, header, message.SerializeToString(), ts)


def fill(n: int, side: int, price: str, quantity: str) -> Fill:
    message = Fill(venue="binance", strategy_id="mm", symbol="BTCUSDT", client_order_id=f"mm-1-{n}",
                   venue_order_id=str(n), trade_id=str(n), side=side)
    set_decimal(message.price, price)
    set_decimal(message.quantity, quantity)
    return message


def make_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    writer = RecordingWriter(run / "recordings", "recorder-1")
    fills = [fill(1, Side.SIDE_BUY, "65000.0", "0.010"), fill(2, Side.SIDE_BUY, "65002.0", "0.030"),
             fill(3, Side.SIDE_SELL, "65010.5", "0.020")]
    writer.add([envelope("oe.binance.mm", f, i + 1, START + i * 10**9) for i, f in enumerate(fills)])
    # Deltas numbered 1, 2, 4, 5: one missing on the topic.
    writer.add([envelope("md.binance.BTCUSDT.book", LevelsDelta("binance", "BTCUSDT", 1, 3, seq, seq - 1,
                                                               ([650000 + seq], [seq], [650010], [0])),
                         seq, START + seq * 10**9) for seq in (1, 2, 4, 5)])
    writer.close()
    return run


def cli(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tradesys.recording", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=cwd or ROOT)


def test_ls_and_info_say_what_a_recording_holds_and_where_it_has_gaps(tmp_path):
    run = make_run(tmp_path)
    listed = cli("ls", run)
    assert listed.returncode == 0, listed.stderr
    # An order event's or a fill's partition is its strategy (oe.<venue>.<strategy>), a book's its symbol.
    assert "book_delta/binance/BTCUSDT/" in listed.stdout and "fill/binance/mm/" in listed.stdout
    info = cli("info", run)
    assert info.returncode == 0, info.stderr
    assert "2 files, 7 messages" in info.stdout and "(5.0 s)" in info.stdout
    assert re.search(r"book_delta\s+BTCUSDT\s+4\n", info.stdout) and re.search(r"fill\s+BTCUSDT\s+3\n", info.stdout)
    assert "1 in 1 of 2 topics" in info.stdout and "md.binance.BTCUSDT.book (session 3): 1 missing" in info.stdout
    assert "[2/2]" in info.stderr            # progress, file by file


def test_export_writes_parquet_and_csv_filtered_by_kind_and_time(tmp_path):
    run = make_run(tmp_path)
    out = tmp_path / "fills.parquet"
    done = cli("export", run, "--out", out, "--kind", "fill", "--symbol", "BTCUSDT")
    assert done.returncode == 0, done.stderr
    table = pq.read_table(out)
    assert table.column("client_order_id").to_pylist() == ["mm-1-1", "mm-1-2", "mm-1-3"]
    assert table.column("price").to_pylist() == [650000, 650020, 650105] and set(table.column("price_scale")
                                                                                  .to_pylist()) == {1}
    since, until = START + 2 * 10**9, START + 5 * 10**9          # deltas 2 and 4, not 1 nor 5
    out = tmp_path / "deltas.csv"
    done = cli("export", run, "--out", out, "--format", "csv", "--kind", "book_delta", "--since", since,
               "--until", until)
    assert done.returncode == 0, done.stderr
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [row["seq"] for row in rows] == ["2", "4"] and "body" not in rows[0]
    assert [row["bid_prices"] for row in rows] == ["[650002]", "[650004]"]
    assert "2 rows from 1 files" in done.stdout


def test_what_is_not_a_readable_recording_is_one_line_and_status_2(tmp_path):
    missing = cli("info", tmp_path / "nowhere")
    assert missing.returncode == 2 and missing.stderr.strip() == f"error: {tmp_path / 'nowhere'}: no such directory"
    empty = cli("ls", tmp_path)
    assert empty.returncode == 2 and "no recording files" in empty.stderr
    run = make_run(tmp_path)
    [path, *_] = recording_files(run / "recordings", kind="fill")
    path.write_bytes(path.read_bytes()[:20])          # not even a whole schema
    old = recording_files(run / "recordings", kind="book_delta")[0]
    old.write_bytes(old.read_bytes().replace(b"tradesys.recording_schema", b"tradesys.recording_schemX"))
    refused = cli("info", run)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith(f"error: {old}: written with recording schema 1")


def test_the_duckdb_example_of_the_docs_runs_as_written(tmp_path):
    run = make_run(tmp_path)
    text = (ROOT / "docs" / "recording.md").read_text()
    block = re.search(r"runs, as\nwritten, in `tests/process/test_recording_cli.py`.*?```python\n(.*?)```", text,
                      re.S).group(1)
    script = tmp_path / "example.py"
    script.write_text(block)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=run)
    assert done.returncode == 0, done.stderr
    fills, deltas = done.stdout.strip().splitlines()
    # Buys: 0.010 @ 65000.0 and 0.030 @ 65002.0, so 0.04 at 65001.5 on average; one sell.
    assert fills.startswith("[('BTCUSDT', 'buy', 2, 0.04") and "65001.5" in fills
    assert "('BTCUSDT', 'sell', 1, 0.02" in fills
    assert deltas == "[('BTCUSDT', 4, 8)]"
