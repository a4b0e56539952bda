"""Positions: the per-strategy ledgers a position server keeps on a shared account."""

from tradesys.positions.fills import FillKeys
from tradesys.positions.ledger import Book, Ledger

__all__ = ["Book", "FillKeys", "Ledger"]
