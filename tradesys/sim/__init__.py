"""A venue-agnostic simulated exchange: matching engine, accounts, synthetic market.

Each venue's ``exchanges/<venue>/simulator.py`` serves it over that venue's
wire protocol. See docs/simulator.md (with the simulator work).
"""
