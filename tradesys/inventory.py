"""Inject an external inventory delta: ``python -m tradesys.inventory ETH +1.5 --source uniswap-v3:ETH-USDC``.

A DeFi LP position that gained 1.5 ETH is inventory the trader side should
hedge; the delta goes onto the bus as ``inv.<asset>`` through the running
farm's launcher, and every LP hedger on that asset acts on it. A
``--reference`` (e.g. the transaction hash) makes a repeat harmless: a
hedger applies each reference once.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from decimal import Decimal, InvalidOperation

from tradesys.launcher.control import send_from_cli
from tradesys.messages import InventoryDelta
from tradesys.numeric import PrecisionError, set_decimal


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tradesys.inventory", description=__doc__.split("\n\n")[0],
                                epilog="examples:\n  python -m tradesys.inventory ETH 1.5 --source lp:ETH-USDC\n"
                                       "  python -m tradesys.inventory BTC -0.25 --reference 0xabc...",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("asset", help="the asset, as hedgers name it (e.g. ETH, BTC)")
    p.add_argument("delta", help="signed change in asset units, e.g. 1.5 or -0.25")
    p.add_argument("--source", default="cli", help="where the inventory sits (e.g. uniswap-v3:ETH-USDC-0.05)")
    p.add_argument("--reference", default=None, help="idempotency key (e.g. a tx hash); default: a new uuid")
    p.add_argument("--run-dir", default=None, help="the farm's run directory; default: the newest under outputs/")
    p.add_argument("--timeout", type=float, default=5.0)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    delta = InventoryDelta(source=args.source, asset=args.asset, reference=args.reference or uuid.uuid4().hex)
    try:
        set_decimal(delta.delta, Decimal(args.delta))
    except (InvalidOperation, PrecisionError):
        print(f"inventory: {args.delta!r} is not a number", file=sys.stderr)
        return 2
    topic = send_from_cli("inventory", args.run_dir, "inventory", delta, args.timeout)
    if topic is None:
        return 1
    print(f"inventory {args.asset} {args.delta}: published on {topic} (reference {delta.reference})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
