"""Single keys typed on the status screen: the kill switch by hand without leaving the screen.

While the live table shows on a terminal, stdin is put in cbreak mode (keys
arrive one by one, unechoed; Ctrl-C still interrupts) and read by the event
loop; the terminal's settings are restored on exit, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable

try:
    import termios
    import tty
except ImportError:     # not a POSIX terminal: no keys, the screen still works
    termios = tty = None


class KeyReader:
    def __init__(self, on_key: Callable[[str], None]):
        self.on_key = on_key
        self._fd: int | None = None
        self._saved = None

    def __enter__(self) -> KeyReader:
        if termios is None or not sys.stdin.isatty():
            return self
        self._fd = sys.stdin.fileno()
        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd)
        asyncio.get_running_loop().add_reader(self._fd, self._read)
        return self

    def _read(self) -> None:
        try:
            data = os.read(self._fd, 64)
        except OSError:
            return
        for key in data.decode("utf-8", "ignore"):
            self.on_key(key)

    def __exit__(self, *exc) -> None:
        if self._fd is None:
            return
        asyncio.get_running_loop().remove_reader(self._fd)
        termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
        self._fd = None
