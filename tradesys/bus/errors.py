"""Errors of the bus.

    BusError
    ├── NotConnected      a request could not be handed to any peer
    ├── RequestTimeout    no reply within the deadline (the request may still have been executed)
    └── BusClosed         the socket was closed while waiting
"""


class BusError(Exception):
    """Base of every bus error."""


class NotConnected(BusError):
    """No peer is connected to take the message; nothing was sent."""


class RequestTimeout(BusError):
    """No reply arrived in time. The peer may still act on the request: reconcile by client order id."""


class BusClosed(BusError):
    """The socket was closed while a call was waiting on it."""
