"""The venue contract: what every connector implements and the core relies on.

The four interfaces and their argument types (``base``), the error tree
(``errors``), the venue registry (``registry``), and the parts every
connector shares: the L2 book, client order ids, the rate limiter, the
instrument grid, book-feed statuses, the reconnecting WebSocket session and
bounded memories. Venue packages (``exchanges/<venue>/``) import this; the
core reaches a venue package only through the registry.
"""
