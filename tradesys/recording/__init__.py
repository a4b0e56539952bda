"""Recording the bus into Arrow files and reading it back."""

from tradesys.recording.reader import (
    RecordingMissingError,
    RecordingVersionError,
    messages,
    read_file,
    read_recording,
    recording_files,
)
from tradesys.recording.schema import RECORD_SCHEMA
from tradesys.recording.writer import RecordingWriter

__all__ = ["RECORD_SCHEMA", "RecordingMissingError", "RecordingVersionError", "RecordingWriter", "messages",
           "read_file", "read_recording", "recording_files"]
