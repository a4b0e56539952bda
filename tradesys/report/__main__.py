"""python -m tradesys.report DIR [--out FILE]: the report of a run or a backtest (a directory with
summary.json) or of a sweep (a directory with sweep.parquet), as one self-contained HTML page
(DIR/report.html unless --out says otherwise). Exit 0 written, 2 DIR is neither (one line says why)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tradesys.report import figures, page
from tradesys.report.data import ReportError, load_run, load_sweep, swept_keys
from tradesys.report.figures import Figure


def run_report(run_dir: Path) -> str:
    data = load_run(run_dir)
    figs = figures.market(data) + figures.positions(data) + figures.latency(data) + figures.kill_switch(data)
    start, end = data.span
    meta = (f"{page.escape(run_dir)} &middot; {data.mode}"
            + (f" of {page.escape(data.summary.get('recording', ''))}" if data.mode == "backtest" else "")
            + (f" &middot; {page.time_text(start)} .. {page.time_text(end)} UTC ({end - start:.1f} s)"
               if end > start else ""))
    by_name = {f.name: f for f in figs}
    sections = [("Strategies", page.strategies_table(data)),
                ("Market, quotes and fills", "".join(page.figure(f) for f in figs if f.name.startswith("market-"))
                 or "<p>No market data recorded.</p>")]
    if "positions" in by_name:
        sections.append(("Inventory and PnL", page.figure(by_name["positions"])))
    sections.append(("Latency", page.figure(by_name["latency"])))
    kill = page.figure(by_name["kill-switch"]) if "kill-switch" in by_name else ""
    sections.append(("Kill switch", kill + page.kill_table(data.kill_events)))
    title = f"tradesys {'backtest' if data.mode == 'backtest' else 'run'} report: {run_dir.name}"
    return page.document(title, meta, sections)


def sweep_report(sweep_dir: Path) -> str:
    rows = load_sweep(sweep_dir)
    keys = swept_keys(rows)
    done = [row for row in rows if row["status"] == "done" and row.get("strategy")]
    figs = figures.sweep_grid(rows, keys)
    for name in ("pnl_by_job.png", "pnl_vs_volume.png"):
        if (sweep_dir / name).is_file():
            figs.append(Figure(name.removesuffix(".png"), name, (sweep_dir / name).read_bytes(), len(done),
                               "written by the sweep"))
    jobs = sorted({row["job"] for row in rows})
    failed = sorted({row["job"] for row in rows if row["status"] != "done"})
    meta = (f"{page.escape(sweep_dir)} &middot; {len(jobs)} job(s), {len(failed)} failed &middot; swept: "
            f"{page.escape(', '.join(keys) or 'nothing')}")
    ranked = sorted(done, key=lambda row: (row["strategy"], -row["pnl"]))
    table = page.table(["job", *keys, "strategy", "PnL after fees", "fills", "volume", "max inventory", "fees",
                        "round trips"],
                       [[row["job"], *(row[k] for k in keys), row["strategy"], f"{row['pnl']:.6g}", row["fills"],
                         f"{row['volume']:.6g}", f"{row['max_inventory']:.6g}", f"{row['fees']:.6g}",
                         row["order_round_trips"]] for row in ranked], text_columns=0)
    errors = [row for row in rows if row["status"] != "done"]
    sections = [("Jobs by PnL", table),
                ("Parameter grid", "".join(page.figure(f) for f in figs))]
    if errors:
        sections.append(("Failed jobs", page.table(["job", "error"], [[r["job"], r["error"]] for r in errors],
                                                   text_columns=2)))
    return page.document(f"tradesys sweep report: {sweep_dir.name}", meta, sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tradesys.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="a run or backtest directory, or a sweep directory")
    parser.add_argument("--out", type=Path, help="where to write the page (default: DIRECTORY/report.html)")
    args = parser.parse_args(argv)
    directory = args.directory
    try:
        if (directory / "sweep.parquet").is_file():
            text = sweep_report(directory)
        elif directory.is_dir():
            text = run_report(directory)
        else:
            raise ReportError(f"{directory}: no such directory")
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    out = args.out or directory / "report.html"
    out.write_text(text)
    print(f"report: {out} ({len(text) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
