"""The kill switch by hand: ``python -m tradesys.kill halt --reason "..."``.

Tiers: ``halt`` (no new orders), ``reduce-only`` (only orders that reduce a
position), ``flatten`` (cancel every order and close the positions, then
stay halted), ``resume``. The command reaches every engine and strategy of
the running farm over the bus (through its launcher) and is logged there
with its reason and who issued it.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from tradesys.launcher.control import send_from_cli
from tradesys.messages import RiskAction, RiskCommand

ACTIONS = {"halt": RiskAction.RISK_ACTION_HALT, "reduce-only": RiskAction.RISK_ACTION_REDUCE_ONLY,
           "flatten": RiskAction.RISK_ACTION_FLATTEN, "resume": RiskAction.RISK_ACTION_RESUME}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tradesys.kill", description=__doc__.split("\n\n")[0],
                                epilog="examples:\n  python -m tradesys.kill halt --reason 'venue incident'\n"
                                       "  python -m tradesys.kill flatten --venue binance --reason 'end of day'\n"
                                       "  python -m tradesys.kill resume --reason 'all clear'",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=list(ACTIONS), help="the tier to switch to")
    p.add_argument("--reason", required=True, help="why (logged by every engine and strategy, shown on screen)")
    p.add_argument("--venue", default="", help="one venue (its exchange key's venue name); default: every venue")
    p.add_argument("--strategy", default="", help="one strategy id; default: every strategy and engine")
    p.add_argument("--run-dir", default=None, help="the farm's run directory; default: the newest under outputs/")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the launcher (default 5)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = RiskCommand(action=ACTIONS[args.action], venue=args.venue, strategy_id=args.strategy,
                          reason=args.reason, issued_by=f"operator:{getpass.getuser()}")
    topic = send_from_cli("kill switch", args.run_dir, "risk", command, args.timeout)
    if topic is None:
        return 1
    print(f"kill switch {args.action}: published on {topic}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
