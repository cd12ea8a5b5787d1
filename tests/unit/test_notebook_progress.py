"""Progress in a notebook (issue 20, item 8): a text bar and no TqdmWarning in a Jupyter kernel
without ipywidgets, the widget bar where there is one, the text bar outside a kernel."""

from __future__ import annotations

import sys
import types
import warnings

import pytest
from tqdm.std import tqdm as text_bar

from bargainlab.experiments.progress import bar_class, in_notebook, progress_bar


def fake_ipython(monkeypatch: pytest.MonkeyPatch, *, kernel: bool) -> None:
    """An imported IPython whose shell is (or is not) a Jupyter kernel's."""
    shell = types.SimpleNamespace(config={"IPKernelApp": {}} if kernel else {})
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", module)


def test_a_kernel_without_ipywidgets_gets_a_text_bar_and_no_warning(monkeypatch, capsys):
    fake_ipython(monkeypatch, kernel=True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` fails
    assert in_notebook()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a TqdmWarning would raise
        assert bar_class() is text_bar
        bar = progress_bar(4, desc="relationships", unit="relationship")  # shown by default
        bar.update(4)
        bar.close()
    assert type(bar) is text_bar
    err = capsys.readouterr().err
    assert "relationships" in err and "100%" in err  # a text bar, to the end


def test_a_kernel_with_ipywidgets_gets_the_widget_bar(monkeypatch):
    fake_ipython(monkeypatch, kernel=True)
    monkeypatch.setitem(sys.modules, "ipywidgets", types.ModuleType("ipywidgets"))
    widget = type("WidgetBar", (), {})
    notebook = types.ModuleType("tqdm.notebook")
    notebook.tqdm = widget  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm.notebook", notebook)
    monkeypatch.setattr(sys.modules["tqdm"], "notebook", notebook, raising=False)
    assert bar_class() is widget


@pytest.mark.parametrize("kernel", [False, None])
def test_outside_a_kernel_the_bar_is_text_and_follows_the_terminal(monkeypatch, kernel):
    if kernel is None:
        monkeypatch.delitem(sys.modules, "IPython", raising=False)
    else:
        fake_ipython(monkeypatch, kernel=kernel)  # IPython's terminal shell
    assert not in_notebook()
    assert bar_class() is text_bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert progress_bar(3).disable
    assert not progress_bar(3, enabled=True).disable
