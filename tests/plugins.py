"""A third-party distribution, installed for one test: its package on sys.path and its entry points."""

from __future__ import annotations

from pathlib import Path


def install(root: Path, monkeypatch, dist: str, entry_points: str, package: str = "", code: str = "") -> None:
    """Make distribution ``dist`` (version 0.1) importable from ``root`` with the given ``entry_points.txt``
    text, and, when ``package`` is named, a package of that name whose ``__init__.py`` is ``code``."""
    if package:
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text(code)
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)
    monkeypatch.syspath_prepend(str(root))
