"""The columns of a recording: one row per bus message, the header's fields, the encoded body, and the typed
columns read from the body (``columns.py``)."""

import pyarrow as pa

from tradesys.bus.frame import WIRE_VERSION
from tradesys.recording.columns import TYPED_FIELDS

# The bus wire version the bodies were written in (version 1's BookDelta numbered its fields otherwise).
WIRE_KEY = b"tradesys.bus_wire"
# The recording's own columns: 1 had the header and the body only; 2 added the typed columns.
SCHEMA_KEY = b"tradesys.recording_schema"
SCHEMA_VERSION = 2

HEADER_FIELDS = [
    pa.field("topic", pa.string()),
    pa.field("seq", pa.uint64()),
    pa.field("session", pa.uint64()),
    pa.field("kind", pa.int32()),          # tradesys.v1.MessageKind
    pa.field("source", pa.string()),
    pa.field("venue_ts", pa.int64()),      # ns; 0 unknown
    pa.field("recv_ts", pa.int64()),       # ns; when the producer read it off the venue
    pa.field("publish_ts", pa.int64()),    # ns; when it went on the bus
    pa.field("record_ts", pa.int64()),     # ns; when the recorder received it
    pa.field("body", pa.binary()),         # the protobuf body, exactly as it travelled
]
RECORD_SCHEMA = pa.schema(HEADER_FIELDS + TYPED_FIELDS,
                          metadata={WIRE_KEY: str(WIRE_VERSION), SCHEMA_KEY: str(SCHEMA_VERSION)})
COLUMNS = RECORD_SCHEMA.names
HEADER_COLUMNS = len(HEADER_FIELDS)
FILE_SUFFIX = ".arrows"  # Arrow IPC *stream* format
