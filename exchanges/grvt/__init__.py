"""GRVT: EIP-712 signed orders (``signing.py``), full and lite JSON (``names.py``), and the venue's simulator
(``simulator/``). The connector follows with issue 8 (exchanges/grvt/README.md)."""
