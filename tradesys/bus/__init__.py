"""The ZeroMQ bus: PUB/SUB data with per-topic sequence numbers, and the order channel."""

from tradesys.bus import topics
from tradesys.bus.errors import BusClosed, BusError, NotConnected, RequestTimeout
from tradesys.bus.orders import OrderClient, OrderServer, ReceivedRequest
from tradesys.bus.pubsub import Envelope, Publisher, Subscriber, TopicStats

__all__ = ["BusClosed", "BusError", "Envelope", "NotConnected", "OrderClient", "OrderServer", "Publisher",
           "ReceivedRequest", "RequestTimeout", "Subscriber", "TopicStats", "topics"]
