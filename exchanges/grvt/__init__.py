"""GRVT: EIP-712 signed orders, session auth. Today: the order signing (``signing.py``); the simulator and the
connector follow (issue 8)."""
