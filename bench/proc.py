"""What a process holds, read from /proc (Linux): for benchmarks that report on the farm's actors."""

from __future__ import annotations

import os
from pathlib import Path


def rss_mb(pid: int) -> float:
    """The process's resident set, in MiB (0 when it has none to report)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:          # closed while we looked
            pass
    return count


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the process has used so far, in seconds (to the kernel's 10 ms tick)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
