"""Helpers of the documentation's tests: where the sources are, the Python blocks of a page,
and skipping without the docs' dependencies.

The tests need the docs' dependencies (``pip install '.[docs]'``) and a checkout (the sources
of the site). Without them they skip, unless ``BARGAINLAB_REQUIRE_DOCS`` is set (CI sets it
after installing the docs' dependencies): then a skip is a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^( *)```python([^\n]*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
"""A fenced Python block of a page: its indent, its options and its code."""


def need(module: str) -> None:
    """Skip (or fail, when ``BARGAINLAB_REQUIRE_DOCS`` is set) without ``module``."""
    try:
        __import__(module)
    except ImportError:
        reason = f"{module} is not installed (pip install '.[docs]')"
        if os.environ.get("BARGAINLAB_REQUIRE_DOCS"):
            pytest.fail(reason)
        pytest.skip(reason)


def need_checkout() -> None:
    """Skip (or fail, as :func:`need`) outside a checkout: the site's sources are not there."""
    if not (ROOT / "mkdocs.yml").is_file():
        if os.environ.get("BARGAINLAB_REQUIRE_DOCS"):
            pytest.fail("not a checkout: no mkdocs.yml")
        pytest.skip("not a checkout: no mkdocs.yml")


def python_blocks(page: Path) -> list[tuple[str, str]]:
    """The fenced Python blocks of ``page``: (options, code without the fence's indent)."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for indent, options, code in FENCE.findall(text):
        lines = [line[len(indent) :] for line in code.splitlines()]
        blocks.append((options.strip(), "\n".join(lines)))
    return blocks
