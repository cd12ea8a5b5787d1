"""``report.html``: the report as one self-contained page.

The page is report.md converted by Python-Markdown (tables, heading anchors), with every
figure inlined as a ``data:`` URI, so it opens offline from anywhere (nothing is loaded from
the network: no font, no script, no stylesheet). It keeps the report's order, so the question
and the answer come first; a list of the sections follows the answer. At the end, every effect
row of the summary is one table that sorts by any column when its header is clicked (a few
lines of inline JavaScript; every table of the page sorts the same way).
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown
import pandas as pd

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from .text import fmt

__all__ = ["EFFECTS_TABLE_ID", "report_html"]

EFFECTS_TABLE_ID = "all-effects"
"""The ``id`` of the sortable table of every effect row."""

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 72rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
img { max-width: 100%; height: auto; display: block; margin: 1rem auto 0.25rem; }
p.caption { text-align: center; color: #444; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 1rem 0; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
th { background: #f3f3f3; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
nav { background: #f7f7f7; padding: 0.5rem 1rem; border-radius: 4px; }
code { background: #f3f3f3; padding: 0 0.2rem; }
"""

_SCRIPT = """
(function () {
  function key(cell) {
    var text = cell.textContent.trim().replace(/\\u2212/g, "-");
    var number = text.match(/^[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?/i);
    return number ? [0, parseFloat(number[0]), text] : [1, 0, text];
  }
  function compare(a, b) {
    if (a[0] !== b[0]) { return a[0] - b[0]; }
    if (a[0] === 0 && a[1] !== b[1]) { return a[1] - b[1]; }
    return a[2] < b[2] ? -1 : (a[2] > b[2] ? 1 : 0);
  }
  document.querySelectorAll("table").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, column) {
      th.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(key(r1.cells[column]), key(r2.cells[column]));
          return up ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def _inline_figures(body: str, run_dir: Path) -> str:
    """Every ``<img src="figures/...">`` of ``body`` with its file inlined as a data URI
    (an image whose file is missing keeps only its alt text)."""

    def inline(match: re.Match[str]) -> str:
        """One image tag, inlined."""
        src = html.unescape(match.group("src"))
        path = run_dir / src
        alt = match.group("alt")
        if not (src.startswith("figures/") and path.is_file()):
            return f"<strong>[figure {html.escape(alt)} missing]</strong>"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        kind = "svg+xml" if path.suffix == ".svg" else "png"
        return f'<img alt="{alt}" src="data:image/{kind};base64,{data}" />'

    return re.sub(r'<img alt="(?P<alt>[^"]*)" src="(?P<src>[^"]+)"\s*/?>', inline, body)


def _effects_table(summary: Summary, cells: SweepCells) -> str:
    """Every effect row as a sortable table (cell label, comparison, window, n, estimate,
    interval ends, adjusted p, verdict); blank where a row has no pairs."""
    rows = summary.effects
    if rows.empty:
        return ""
    labels = {c: cells.label(c) for c in cells.cells}
    header = ["cell", "comparison", "window", "n", "estimate", "ci_low", "ci_high",
              "p_adjusted", "verdict"]  # fmt: skip

    def number(value: object) -> str:
        """A number as the report prints it; blank when missing."""
        return "" if value is None or pd.isna(value) else fmt(value, signed=True)

    body = []
    for r in rows.to_dict("records"):
        values = [
            labels.get(int(r["cell"]), str(r["cell"])),
            f"{r['treatment']} vs {r['control']}",
            r["window"],
            str(int(r["n"])),
            number(r["mean_diff"]),
            number(r["ci_low"]),
            number(r["ci_high"]),
            "" if pd.isna(r["p_adjusted"]) else f"{float(r['p_adjusted']):.3g}",
            r["verdict"],
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in values) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in header)
    return (
        f'<h2 id="{EFFECTS_TABLE_ID}-section">Every effect row</h2>\n'
        "<p>Every row of <code>summary/effects.csv</code>; click a column's header to sort "
        "by it (again to reverse).</p>\n"
        f'<table id="{EFFECTS_TABLE_ID}"><thead><tr>{head}</tr></thead>\n'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _contents(body: str) -> str:
    """A list of the page's sections (its ``<h2>`` headings), linked by their anchors."""
    found = re.findall(r'<h2 id="([^"]+)">(.*?)(?:<a class="headerlink".*?)?</h2>', body)
    items = "".join(f'<li><a href="#{i}">{t}</a></li>' for i, t in found)
    return f'<nav aria-label="sections"><strong>Sections</strong><ul>{items}</ul></nav>'


def report_html(text: str, run_dir: str | Path, summary: Summary, cells: SweepCells) -> str:
    """The self-contained HTML page of the report ``text`` (report.md's Markdown) of the
    run in ``run_dir`` (its figures are read and inlined), with the sortable table of every
    effect row of ``summary``; see the module docstring."""
    converter = markdown.Markdown(extensions=["tables", "toc", "sane_lists"])
    body = converter.convert(text)
    body = re.sub(r"<p><em>(.*?)</em></p>", r'<p class="caption"><em>\1</em></p>', body)
    body += "\n" + _effects_table(summary, cells)
    contents = _contents(body)
    # the list of sections follows the answer: before the first section after it
    parts = re.split(r'(?=<h2 id="(?!question|answer)[^"]+">)', body, maxsplit=1)
    body = parts[0] + contents + "\n" + parts[1] if len(parts) == 2 else body + contents
    body = _inline_figures(body, Path(run_dir))
    title = re.search(r"<h1[^>]*>(.*?)</h1>", body)
    name = re.sub(r"<[^>]+>", "", title.group(1)) if title else "report"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{name}: bargainlab report</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )
