"""tradesys: a multi-process market-making system on Ray, ZeroMQ, protobuf, Hydra and Arrow."""

__version__ = "0.1.0"
