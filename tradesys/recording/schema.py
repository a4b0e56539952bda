"""The columns of a recording: one row per bus message, header fields plus the encoded body."""

import pyarrow as pa

from tradesys.bus.frame import WIRE_VERSION

# The bus wire version the bodies were written in (version 1's BookDelta numbered its fields otherwise).
WIRE_KEY = b"tradesys.bus_wire"

RECORD_SCHEMA = pa.schema([
    ("topic", pa.string()),
    ("seq", pa.uint64()),
    ("session", pa.uint64()),
    ("kind", pa.int32()),          # tradesys.v1.MessageKind
    ("source", pa.string()),
    ("venue_ts", pa.int64()),      # ns; 0 unknown
    ("recv_ts", pa.int64()),       # ns; when the producer read it off the venue
    ("publish_ts", pa.int64()),    # ns; when it went on the bus
    ("record_ts", pa.int64()),     # ns; when the recorder received it
    ("body", pa.binary()),         # the protobuf body, exactly as it travelled
], metadata={WIRE_KEY: str(WIRE_VERSION)})
COLUMNS = RECORD_SCHEMA.names
FILE_SUFFIX = ".arrows"  # Arrow IPC *stream* format
