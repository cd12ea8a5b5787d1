"""report.html (issue 20, item 5): beside report.md, self-contained (figures inline, nothing
from the network), the answer first, a sortable table of every effect row; opened in headless
Chromium, it logs no console error, every image loads and every anchor resolves, and clicking
a header sorts the table.

The browser part needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium``
package; without them it is skipped with the reason, unless ``BARGAINLAB_REQUIRE_BROWSER`` is
set (CI sets it), when their absence fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import bargainlab
from bargainlab.reporting.html import EFFECTS_TABLE_ID

pytestmark = pytest.mark.slow

STUDY = "rebate_renewal"
"""The committed study whose report the browser opens (at a small size)."""


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """report.html of a small run of a committed study."""
    folder = tmp_path_factory.mktemp("html") / "run"
    run = bargainlab.run_study(STUDY, folder, replicates=4, progress=False)  # on every core
    return run.report_html_path


class _Links(HTMLParser):
    """Every ``id``, every ``href``/``src`` and the order of the first headings."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name):
                self.refs.append(values[name])
        self._in_heading = tag in ("h1", "h2")

    def handle_data(self, data):
        if self._in_heading and data.strip():
            self.headings.append(data.strip())
            self._in_heading = False


def test_the_page_is_self_contained_and_answers_first(page):
    assert page.is_file() and page.parent.joinpath("report.md").is_file()
    text = page.read_text(encoding="utf-8")
    links = _Links()
    links.feed(text)
    external = [r for r in links.refs if not (r.startswith("#") or r.startswith("data:"))]
    assert not external, external
    assert not re.search(r"https?://", text.split("<body>", 1)[0])  # no remote head resource
    assert "<script src" not in text and "<link" not in text
    dead = [r for r in links.refs if r.startswith("#") and r[1:] not in links.ids]
    assert not dead, dead
    assert links.headings[:3] == [STUDY, "Question", "Answer"]
    assert f'id="{EFFECTS_TABLE_ID}"' in text
    assert text.count("<img") >= 5 and " missing]" not in text


def _browser():
    """A headless Chromium driven by selenium, or a skip (a failure in CI) naming what is
    missing."""
    required = bool(os.environ.get("BARGAINLAB_REQUIRE_BROWSER"))
    missing = [b for b in ("chromium", "chromedriver") if shutil.which(b) is None]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = f"headless browser test needs {', '.join(missing)}"
        if required:
            pytest.fail(reason + " (BARGAINLAB_REQUIRE_BROWSER is set)")
        pytest.skip(reason)
    return webdriver, Service


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver, service_class = _browser()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=service_class(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def test_the_page_opens_in_a_browser_without_errors_and_sorts(page, browser):
    browser.get(page.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])"
    )
    assert images and all(done and width > 0 for _, done, width in images), images
    dead = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
        ".map(a => decodeURIComponent(a.getAttribute('href').slice(1)))"
        ".filter(id => !document.getElementById(id))"
    )
    assert dead == []
    column = ["cell", "comparison", "window", "n", "estimate"].index("estimate")
    header = browser.find_elements("css selector", f"#{EFFECTS_TABLE_ID} thead th")[column]
    header.click()
    values = browser.execute_script(
        f"return Array.from(document.querySelectorAll('#{EFFECTS_TABLE_ID} tbody tr'))"
        f".map(r => r.cells[{column}].textContent)"
    )
    numbers = [float(v.replace("−", "-")) for v in values if v.strip()]
    assert len(numbers) > 10 and numbers == sorted(numbers)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    again = browser.execute_script(
        f"return Array.from(document.querySelectorAll('#{EFFECTS_TABLE_ID} tbody tr'))"
        f".map(r => r.cells[{column}].textContent)"
    )
    numbers = [float(v.replace("−", "-")) for v in again if v.strip()]
    assert numbers == sorted(numbers, reverse=True)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert not errors, errors
