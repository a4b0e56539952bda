"""The columns of a recording: one row per bus message, header fields plus the encoded body."""

import pyarrow as pa

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
])
COLUMNS = RECORD_SCHEMA.names
FILE_SUFFIX = ".arrows"  # Arrow IPC *stream* format
