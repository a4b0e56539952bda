"""What a recorder missed while it was dead, as counted ranges of sequence numbers per topic.

The recorder keeps a small *mark* file beside its recordings: per topic, the
publisher session and sequence number of the last row on disk, rewritten
right after every write of a batch (a kill between the two, a window of
microseconds, would count that batch's rows as missed although they are on
disk: counted twice, never lost). A recorder that comes back reads it and, at the first
message of each topic, records the range between: the rows it never wrote
(the buffer its last process died with, and everything published while it
was down). When the publisher itself restarted meanwhile, the end of the old
session cannot be known; the range then starts at 1 of the new session and
the topic is counted under ``sessions_changed``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


class RecordingGaps:
    def __init__(self, path: Path):
        self.path = path
        self.ranges: dict[str, list[tuple[int, int]]] = {}   # topic -> [(first missed seq, last missed seq)]
        self.missed = 0
        self.sessions_changed = 0
        self._resume: dict[str, tuple[int, int]] = {}
        self._saved: dict[str, tuple[int, int]] = {}

    def resume(self) -> None:
        """Read the last life's mark file (an unreadable one is logged, and nothing can be counted)."""
        try:
            raw = json.loads(self.path.read_text())
            self._resume = {topic: (int(session), int(seq)) for topic, (session, seq) in raw.items()}
        except FileNotFoundError:
            log.warning("no mark of the last recording: its gap cannot be counted", extra={"fields": {
                "path": str(self.path)}})
        except (ValueError, TypeError) as exc:
            log.error("the last recording's mark is unreadable: its gap cannot be counted", extra={"fields": {
                "path": str(self.path), "error": str(exc)}})
        self._saved = dict(self._resume)

    @property
    def pending(self) -> bool:
        """Topics of the last life not heard again yet (until then every message is looked at)."""
        return bool(self._resume)

    def first_seen(self, topic: str, session: int, seq: int) -> None:
        """A message reached this recorder; at a topic's first, count what lies between it and the mark."""
        mark = self._resume.pop(topic, None)
        if mark is None:
            return
        if session == mark[0]:
            first = mark[1] + 1
        else:
            first = 1
            self.sessions_changed += 1
        if seq > first:
            self.ranges.setdefault(topic, []).append((first, seq - 1))
            self.missed += seq - first
            log.warning("recording gap", extra={"fields": {"topic": topic, "first": first, "last": seq - 1,
                                                           "session_changed": session != mark[0]}})

    def save(self, written: dict[str, tuple[int, int]]) -> None:
        """Rewrite the mark file with what is on disk now (``RecordingWriter.written``), if it moved."""
        marks = {**self._saved, **written}
        if marks == self._saved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps({t: list(mark) for t, mark in marks.items()}))
        partial.replace(self.path)      # a reader never sees half a file
        self._saved = marks

    def counters(self) -> dict[str, int]:
        return {"gap_topics": len(self.ranges), "gap_messages": self.missed,
                "gap_sessions_changed": self.sessions_changed}

    def summary(self) -> dict:
        return {topic: [list(r) for r in ranges] for topic, ranges in self.ranges.items()}
