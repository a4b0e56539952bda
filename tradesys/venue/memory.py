"""Bounded memories a connector keeps of what it has seen (fill ids, order states), oldest forgotten first."""

from __future__ import annotations

from collections import OrderedDict


class BoundedDict(OrderedDict):
    """An insertion-ordered dict that forgets its oldest entries beyond ``limit``."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)
