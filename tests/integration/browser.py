"""Open a report page in headless Chromium (Debian's package, which `make test` installs) and read back what
the browser made of it: the DOM after the page's own script ran."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

IMG = re.compile(r"<img\b([^>]*)>")
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def rendered_dom(page: Path) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed: `make test` installs Debian's chromium package (as root)"
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


def figures(dom: str) -> dict[str, dict[str, str]]:
    """figure name -> its attributes as the browser left them (data-rendered, data-size, data-points)."""
    out = {}
    for match in IMG.finditer(dom):
        attrs = dict(ATTR.findall(match.group(1)))
        if "data-figure" in attrs:
            out[attrs["data-figure"]] = attrs
    return out


def assert_every_figure_rendered_with_data(dom: str) -> dict[str, dict[str, str]]:
    found = figures(dom)
    assert found, "the page has no figure"
    for name, attrs in found.items():
        assert attrs.get("data-rendered") == "yes", f"{name} did not render: {attrs.get('data-rendered')}"
        width, height = (int(n) for n in attrs["data-size"].split("x"))
        assert width > 100 and height > 100, f"{name} rendered at {width}x{height}"
        assert int(attrs["data-points"]) > 0, f"{name} has no data"
    assert f'data-figures-rendered="{len(found)}"' in dom
    return found
