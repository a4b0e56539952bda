"""What a run leaves in its run directory: ``actors.json`` while it runs (each actor's endpoints, pid and
node, rewritten when one comes back in a new process or on another node), and when it stops
``summary.json`` (each actor's final state and counters, the strategies' results, the ledgers, the kill
switch, restarts, losses, the venues' states) with the last line on screen."""

from __future__ import annotations

import json
import os
import sys
import time

from tradesys.bus import curve


def write_actors(launcher) -> None:
    (launcher.run_dir / "actors.json").write_text(json.dumps(
        {name: {**launcher.processes.get(name, {"pid": None, "node": None}),
                "endpoints": launcher.directory.get(name, {})} for name in launcher.handles}, indent=2))


def actor_is_at(launcher, name: str, status: dict) -> None:
    """``name`` runs as ``status`` says (its ``pid`` and ``node``) from now on: actors.json follows."""
    launcher.processes[name] = {"pid": status.get("pid"), "node": status.get("node")}
    write_actors(launcher)


def write(launcher) -> None:
    rows = {}
    for name, row in launcher.board.rows.items():
        final = launcher.stop_summaries.get(name)
        rows[name] = {"state": final["state"] if final else launcher.board.effective_state(row), "node": row.node,
                      "counters": final["counters"] if final else row.counters,
                      "detail": (final or {}).get("detail") or row.detail,
                      "heartbeats_seen": row.heartbeats}
    stops = launcher.stop_summaries
    down = launcher.venues_down
    summary = {"exit_code": launcher.exit_code, "exit_reason": launcher.exit_reason or "stopped",
               "errors": launcher.failures, "started": launcher.started_wall, "ended": time.time(),
               "run_dir": str(launcher.run_dir), "pid": os.getpid(), "actors": rows,
               "strategies": {n: s["strategy"] for n, s in stops.items() if "strategy" in s},
               "positions": {n: s["ledgers"] for n, s in stops.items() if "ledgers" in s},
               "kill_switch": {n: s["kill_switch"] for n, s in stops.items() if "kill_switch" in s},
               "operator_requests": launcher.operator.requests, "restarts": launcher.restarts,
               "lost": launcher.supervisor.lost,
               "bus_denied": curve.denied(),       # clients the launcher's sockets refused (CURVE)
               "recording_gaps": {n: s["gaps"] for n, s in stops.items() if "gaps" in s},
               "venues": {v: {"state": "down", "reason": down[v]} if v in down else {"state": "up"}
                          for v in dict.fromkeys(s.venue for s in launcher.plan if s.venue)}}
    (launcher.run_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True))


def goodbye(launcher) -> None:
    style = "green" if launcher.exit_code == 0 else "bold red"
    launcher.console.print(f"[{style}]stopped: {launcher.exit_reason or 'stopped'}[/]  "
                           f"summary: {launcher.run_dir / 'summary.json'}", soft_wrap=True)
    sys.stdout.flush()
