"""The documentation's sources say what the code does (issue 20, item 6): nothing promised as
coming, examples through the public API, the API reference without private modules, formulas
drawn without a script from the network. The built site is checked in test_site.py."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from docs_support import DOCS, ROOT, need, need_checkout, python_blocks

import bargainlab
from bargainlab.config.files import resolve_study_path

PAGES = sorted(DOCS.rglob("*.md"))
PROMISE = re.compile(r"\b(coming (with|soon|in)|not (yet )?implemented|do not run yet)\b", re.I)


@pytest.fixture(scope="module")
def mkdocs_config() -> dict:
    """mkdocs.yml (plain YAML: it uses no Python tags)."""
    need_checkout()
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def load_hook(config: dict) -> ModuleType:
    """The site's MathML hook, imported from its file as MkDocs does."""
    need("latex2mathml")
    (path,) = [ROOT / p for p in config["hooks"] if p.endswith("mathml.py")]
    spec = importlib.util.spec_from_file_location("docs_mathml_hook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_page_promises_what_is_there_or_not():
    need_checkout()
    promises = [
        f"{page.relative_to(DOCS)}: {m.group(0)!r}"
        for page in PAGES
        for m in PROMISE.finditer(page.read_text(encoding="utf-8"))
    ]
    assert promises == []


def test_no_page_asks_for_the_serial_executor_for_a_users_strategy():
    # a strategy of a script or notebook is shipped to the workers with every task
    need_checkout()
    text = (DOCS / "how-to" / "write-a-strategy.md").read_text(encoding="utf-8")
    assert 'executor="serial"' not in text
    assert "every executor" in text


def test_the_dask_how_to_uses_the_public_api_and_no_checkout_path(tmp_path, monkeypatch):
    need_checkout()
    blocks = python_blocks(DOCS / "how-to" / "dask-sweep.md")
    assert blocks, "the Dask how-to has no Python example"
    monkeypatch.chdir(tmp_path)  # not a checkout: a study must be found by its name
    for _, code in blocks:
        tree = ast.parse(code)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                pytest.fail(f"imports from {node.module}: use `import bargainlab`")
            if isinstance(node, ast.Import):
                assert [a.name for a in node.names] == ["bargainlab"]
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "bargainlab":
                    assert node.attr in bargainlab.__all__, node.attr
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "run_study":
                study = node.args[0]
                assert isinstance(study, ast.Constant)
                assert resolve_study_path(study.value).is_file(), study.value


def test_every_shown_python_example_parses():
    need_checkout()
    for page in PAGES:
        for options, code in python_blocks(page):
            if "exec=" in options or code.lstrip().startswith("@"):
                continue  # run by the build, or a method shown alone
            ast.parse(code, filename=str(page))


def test_the_api_reference_names_no_private_module(mkdocs_config):
    targets = {
        page.name: re.findall(r"^::: *(\S+)", page.read_text(encoding="utf-8"), re.MULTILINE)
        for page in (DOCS / "reference" / "api").glob("*.md")
    }
    assert targets and all(targets.values())
    private = [
        t
        for names in targets.values()
        for t in names
        if any(part.startswith("_") for part in t.split("."))
    ]
    assert private == []
    # members are chosen by the public filter (__all__ where a module has one, else the names
    # without a leading underscore): no page may list every member
    (plugin,) = [p for p in mkdocs_config["plugins"] if isinstance(p, dict) and "mkdocstrings" in p]
    options = plugin["mkdocstrings"]["handlers"]["python"]["options"]
    assert options["filters"] == "public"
    pages = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "reference").rglob("*.md"))
    assert "members: true" not in pages


def test_the_package_page_lists_the_packages_names():
    # griffe cannot read bargainlab.__all__ (built from _LAZY), so the page lists its members
    need_checkout()
    text = (DOCS / "reference" / "api" / "bargainlab.md").read_text(encoding="utf-8")
    members = re.findall(r"^ {8}- (\S+)$", text, re.MULTILINE)
    assert sorted(members) == sorted(bargainlab.__all__)


def test_formulas_need_no_script_from_the_network(mkdocs_config):
    extra = [*mkdocs_config.get("extra_javascript", []), *mkdocs_config.get("extra_css", [])]
    remote = [e for e in extra if "://" in str(e)]
    assert remote == []
    assert mkdocs_config["theme"].get("font") is False  # no Google Fonts
    arithmatex = [
        e
        for e in mkdocs_config["markdown_extensions"]
        if isinstance(e, dict) and "pymdownx.arithmatex" in e
    ]
    assert arithmatex == [{"pymdownx.arithmatex": {"generic": True}}]


def test_the_hook_turns_formulas_into_mathml(mkdocs_config):
    hook = load_hook(mkdocs_config)
    page = type("Page", (), {"file": type("File", (), {"src_uri": "model.md"})()})()
    before = (
        '<p>share <span class="arithmatex">\\(\\frac{1 - \\delta}{1 - \\delta^2}\\)</span> and</p>'
        '<div class="arithmatex">\\[\nx &lt; \\max_r \\mu\\, D(r)\n\\]</div>'
    )
    after = hook.on_page_content(before, page=page)
    assert "\\(" not in after and "\\[" not in after and "\\frac" not in after
    assert after.count("<math") == 2
    assert 'display="inline"' in after and 'display="block"' in after
    assert "<mfrac>" in after and "<mo>&#x0003C;</mo>" in after  # the unescaped <
    assert after.startswith("<p>share ") and after.endswith("</div>")


def test_the_hook_stops_on_a_command_it_cannot_draw(mkdocs_config):
    hook = load_hook(mkdocs_config)
    page = type("Page", (), {"file": type("File", (), {"src_uri": "strategic.md"})()})()
    with pytest.raises(ValueError, match=r"strategic\.md: .*\\notacommand"):
        hook.on_page_content('<span class="arithmatex">\\(\\notacommand x\\)</span>', page=page)


def test_the_hook_file_is_excluded_from_the_pages(mkdocs_config):
    # docs/_ext holds build code, not pages
    assert "_ext/" in mkdocs_config["exclude_docs"]
    assert all(Path(p).parts[:2] == ("docs", "_ext") for p in mkdocs_config["hooks"])
