"""``python -m tradesys.report <run or sweep dir>``: one self-contained HTML page of a run (live or backtest)
or of a sweep, its figures PNGs inside it. docs/report.md."""
