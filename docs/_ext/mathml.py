"""A MkDocs hook: the site's formulas become MathML when the site is built.

The pages write TeX between ``\\(...\\)`` and ``\\[...\\]`` (or ``$$...$$``), which
``pymdownx.arithmatex`` (``generic: true``) wraps in ``<span class="arithmatex">`` and
``<div class="arithmatex">``. This hook converts each one with latex2mathml, a pure-Python
converter installed with the docs' dependencies. Browsers draw MathML natively, so the
built site loads no script, font or stylesheet for its formulas and reads the same offline
(the site loaded MathJax from a CDN, so an offline copy showed raw TeX).

A formula latex2mathml does not understand is an error that stops the build, naming the
page and the command: it would otherwise show its raw ``\\command`` to the reader.
"""

from __future__ import annotations

import html
import re
from typing import Any

from latex2mathml.converter import convert

ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
"""One formula as ``pymdownx.arithmatex`` writes it in its generic mode."""

DELIMITERS = (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$"))
"""The delimiters arithmatex keeps around the TeX, outermost first."""

UNCONVERTED = re.compile(r">\\([A-Za-z]+)<")
"""A TeX command latex2mathml passed through as text (it does not know it)."""


def to_mathml(tex: str, *, display: bool) -> str:
    """The MathML of ``tex`` (with or without its delimiters); :class:`ValueError` naming a
    command latex2mathml cannot convert."""
    body = tex.strip()
    for start, end in DELIMITERS:
        if body.startswith(start) and body.endswith(end) and len(body) >= len(start + end):
            body = body[len(start) : len(body) - len(end)]
            break
    mathml = convert(body, display="block" if display else "inline")
    unknown = UNCONVERTED.search(mathml)
    if unknown:
        raise ValueError(f"cannot convert \\{unknown.group(1)} in the formula {body!r}")
    return mathml


def on_page_content(html_text: str, page: Any, **_: Any) -> str:
    """Replace every arithmatex formula of a page's HTML by its MathML."""

    def replace(match: re.Match[str]) -> str:
        """One formula, in the element arithmatex gave it (kept for styling)."""
        tag = match.group(1)
        try:
            mathml = to_mathml(html.unescape(match.group(2)), display=tag == "div")
        except ValueError as error:
            raise ValueError(f"{page.file.src_uri}: {error}") from error
        return f'<{tag} class="arithmatex">{mathml}</{tag}>'

    return ARITHMATEX.sub(replace, html_text)
