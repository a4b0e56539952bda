"""Named parts found two ways: built-in names, and third-party packages through an entry-point group.

Venues (``tradesys.venue.registry``) and strategies
(``tradesys.strategy.registry``) are both found this way. A built-in is a
``"module:attribute"`` string, imported only when asked for, so naming a
part costs no import. A third-party package declares its parts in its own
``pyproject.toml``::

    [project.entry-points."<group>"]
    myname = "my_pkg.module:ATTRIBUTE"

A built-in name cannot be taken over by a plugin (the plugin is refused with
a warning). A part that fails to load, or loads as the wrong kind of object,
is reported with its package and entry point, never silently skipped when
asked for by name.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def load_target(target: str) -> object:
    """The object a ``"module:attribute"`` string names; the import's own exception if it does not load."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def load_checked(target: str, where: str, check: Callable[[object], str | None], error: type[Exception]):
    """``load_target``, with a failed import or an object ``check`` refuses (its reason) raised as ``error``
    naming ``where`` the target came from."""
    try:
        obj = load_target(target)
    except Exception as exc:  # a plugin's import error must name the plugin, not surface as itself
        raise error(f"{where}: cannot load {target}: {type(exc).__name__}: {exc}") from exc
    why = check(obj)
    if why is not None:
        raise error(f"{where}: {target} {why}")
    return obj


class Registry(Generic[T]):
    """One kind of part (``what``: "venue", "strategy"), by name.

    ``check(name, obj)`` returns why a loaded object is not such a part, or
    None when it is; ``error`` is the LookupError subclass raised.
    """

    def __init__(self, what: str, group: str, builtin: Mapping[str, str],
                 check: Callable[[str, object], str | None], error: type[LookupError]):
        self.what = what
        self.group = group
        self.builtin = dict(builtin)
        self.check = check
        self.error = error

    def _load(self, name: str, target: str, where: str) -> T:
        return load_checked(target, f"{self.what} {where}", lambda obj: self.check(name, obj), self.error)

    def plugins(self) -> dict[str, EntryPoint]:
        """The entry points of the group, by name, without those that claim a built-in name."""
        found: dict[str, EntryPoint] = {}
        for point in entry_points(group=self.group):
            if point.name in self.builtin:
                log.warning("%s plugin %s (%s) ignored: the name is a built-in %s", self.what, point.name,
                            point.value, self.what)
                continue
            found.setdefault(point.name, point)
        return found

    def names(self) -> list[str]:
        """Every name that can be asked for: built-in first, then plugins, each sorted. Imports nothing."""
        return sorted(self.builtin) + sorted(self.plugins())

    def get(self, name: str) -> T:
        """The part called ``name``; ``error`` if there is none or it does not load."""
        if name in self.builtin:
            return self._load(name, self.builtin[name], f"'{name}' (built in)")
        point = self.plugins().get(name)
        if point is None:
            raise self.error(f"unknown {self.what} '{name}'; known: {', '.join(self.names())}")
        dist = point.dist.name if point.dist is not None else "?"
        return self._load(name, point.value, f"'{name}' (package {dist}, entry point {self.group})")

    def loaded(self) -> dict[str, T]:
        """Every part that loads, by name; one that does not is logged and left out."""
        out: dict[str, T] = {}
        for name in self.names():
            try:
                out[name] = self.get(name)
            except self.error as exc:
                log.warning("%s", exc)
        return out
