"""The built site (issue 20, item 6): no path of the machine that built it, formulas as MathML
with nothing loaded from the network, the study-file reference listing the library's
strategies alone, and the API reference its public names alone. The site is built once for
the module (slow: about a minute and a half)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from docs_support import ROOT, need, need_checkout

import bargainlab

pytestmark = pytest.mark.slow

MACHINE_PATH = re.compile(r"(?<![\w.])/(tmp|home|work|root|var/folders|private/var)/")
"""A path of a machine: the folders of Linux and macOS where builds and users live."""
REMOTE = re.compile(
    r"<(?:script|img|iframe)\b[^>]*\bsrc=\"(https?:)?//|<link\b[^>]*\bhref=\"(https?:)?//"
)
"""An element that the browser loads from the network as the page opens."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict`` from the checkout (its examples
    run with the checkout as the current folder, as in CI)."""
    need_checkout()
    need("mkdocs")
    need("latex2mathml")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def pages(site: Path) -> dict[str, str]:
    """Every built page's HTML by its path in the site."""
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def test_no_page_shows_a_path_of_the_build_machine(site):
    built = pages(site)
    assert len(built) > 20
    local = {str(ROOT), os.path.join(Path.home(), ""), os.path.join(tempfile.gettempdir(), "")}
    found = [
        f"{name}: {m.group(0)}" for name, html in built.items() for m in MACHINE_PATH.finditer(html)
    ] + [f"{name}: {p}" for name, html in built.items() for p in local if p in html]
    assert found == []
    assert not MACHINE_PATH.search(
        json.dumps(json.loads((site / "search" / "search_index.json").read_text()))
    )


def test_formulas_are_mathml_and_nothing_loads_from_the_network(site):
    built = pages(site)
    with_math = {name: html.count("<math") for name, html in built.items() if "<math" in html}
    assert {"model/index.html", "statistics/index.html", "strategic/index.html"} <= set(with_math)
    assert sum(with_math.values()) > 100
    raw = [
        name for name, html in built.items() if re.search(r'class="arithmatex">\s*\\[(\[]', html)
    ]
    assert raw == []
    remote = [
        f"{name}: {m.group(0)}" for name, html in built.items() for m in REMOTE.finditer(html)
    ]
    assert remote == []
    assert not any("mathjax" in html.lower() for html in built.values())


def test_the_study_file_reference_lists_the_librarys_strategies_alone(site):
    # the how-to's example registers split_difference; the reference must not list it
    html = (site / "reference" / "study-file" / "index.html").read_text(encoding="utf-8")
    # one heading per strategy, `name` with the anchor strategy-<name> (which markdown-exec
    # prefixes with its block's id)
    listed = set(re.findall(r'id="(?:exec-\d+--)?strategy-(\w+)"><code>\1</code>', html))
    fresh = subprocess.run(
        [sys.executable, "-c", "import bargainlab; print('\\n'.join(bargainlab.available()))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed == set(fresh)
    assert "split_difference" not in html


def test_the_api_reference_shows_public_names_alone(site):
    api = {name: html for name, html in pages(site).items() if name.startswith("reference/api/")}
    # every documented object has an anchor of its dotted name (a signature may still mention
    # a private name, e.g. a private base class)
    named = {
        target for html in api.values() for target in re.findall(r'id="(bargainlab[\w.]*)"', html)
    }
    assert len(named) > 300
    private = sorted(
        t for t in named if any(p.startswith("_") and not p.endswith("__") for p in t.split("."))
    )
    assert private == []
    package = api["reference/api/bargainlab/index.html"]
    anchors = set(re.findall(r'id="bargainlab\.(\w+)"', package))
    # every name, each once; the theory module has its page (a module alias gets no entry)
    assert anchors == set(bargainlab.__all__) - {"theory"}
    assert 'href="../theory/' in package or "reference/api/theory" in package
