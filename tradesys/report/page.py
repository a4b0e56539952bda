"""The report's HTML: one page, its figures inlined as PNG data, no external file. Once loaded, the page marks
each figure ``data-rendered`` (the browser decoded it) beside its ``data-points``."""

from __future__ import annotations

import base64
import datetime as dt
import html
from decimal import Decimal

from tradesys.report.data import KillEvent, RunData
from tradesys.report.figures import Figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td.text, th.text { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { font-size: 0.8em; color: #555; }
.meta { color: #555; font-size: 0.9em; }
"""
SCRIPT = """
window.addEventListener("load", () => {
  let rendered = 0;
  for (const img of document.querySelectorAll("img[data-figure]")) {
    const ok = img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;
    img.dataset.rendered = ok ? "yes" : "no";
    img.dataset.size = img.naturalWidth + "x" + img.naturalHeight;
    if (ok) rendered += 1;
  }
  document.body.dataset.figuresRendered = String(rendered);
});
"""


def escape(value) -> str:
    return html.escape(str(value))


def figure(fig: Figure) -> str:
    data = base64.b64encode(fig.png).decode()
    return (f'<figure><img data-figure="{escape(fig.name)}" data-points="{fig.points}" alt="{escape(fig.title)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{escape(fig.title)}'
            f'{": " + escape(fig.caption) if fig.caption else ""}</figcaption></figure>')


def table(headers: list[str], rows: list[list], text_columns: int = 1) -> str:
    head = "".join(f'<th class="{"text" if i < text_columns else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"text" if i < text_columns else ""}">{escape(v)}</td>'
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def document(title: str, meta: str, sections: list[tuple[str, str]]) -> str:
    parts = [f"<h1>{escape(title)}</h1><p class=\"meta\">{meta}</p>"]
    parts += [f"<h2>{escape(heading)}</h2>{content}" for heading, content in sections]
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{''.join(parts)}<script>{SCRIPT}</script></body></html>")


def time_text(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _num(text: str) -> str:
    try:
        return f"{float(Decimal(text)):.6g}"
    except Exception:
        return str(text)


def strategies_table(data: RunData) -> str:
    rows = []
    for strategy_id, strategy in sorted(data.summary.get("strategies", {}).items()):
        for symbol, row in sorted(strategy.get("symbols", {}).items()):
            pnl = (Decimal(row["realized_pnl"]) + Decimal(row["unrealized_pnl"]) - Decimal(row["fees"])
                   + Decimal(row.get("funding", "0")))
            rows.append([strategy_id, symbol, row["fills"], _num(row["volume"]), _num(row["position"]),
                         _num(row["realized_pnl"]), _num(row["unrealized_pnl"]), _num(row["fees"]), _num(str(pnl))])
    return table(["strategy", "symbol", "fills", "volume", "position", "realized", "unrealized", "fees",
                  "PnL after fees"], rows, text_columns=2)


def kill_table(events: list[KillEvent]) -> str:
    if not events:
        return "<p>No kill-switch command in this run.</p>"
    return table(["time (UTC)", "action", "venue", "strategy", "reason", "issued by"],
                 [[time_text(e.time), e.action, e.venue or "every", e.strategy_id or "every", e.reason, e.issued_by]
                  for e in events], text_columns=6)
