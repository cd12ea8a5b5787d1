"""Every component a decomposition can have says what it is (issue 20, item 3): the pieces a
transplant swaps and the channels are declared with a meaning in
bargainlab.analysis.components, which the report and the figures read."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from bargainlab.analysis.components import COMPONENTS, component_meanings
from bargainlab.relationships.channels import CHANNELS
from bargainlab.relationships.state import PIECES
from bargainlab.reporting.panels import components_legend
from bargainlab.reporting.plots import component_color


def test_every_piece_and_channel_has_a_declared_meaning():
    assert set(PIECES) <= set(COMPONENTS["mediation"]), set(PIECES) - set(COMPONENTS["mediation"])
    assert set(CHANNELS) <= set(COMPONENTS["channels"]), set(CHANNELS) - set(COMPONENTS["channels"])
    for part in COMPONENTS.values():
        assert {"total", "interaction"} <= set(part)
        assert all(meaning.strip() for meaning in part.values())


def test_an_undeclared_component_is_left_to_its_name_and_still_gets_a_colour():
    assert component_meanings("mediation", ["posterior", "direct_x"]) == {
        "posterior": COMPONENTS["mediation"]["posterior"]
    }
    assert component_color("total") == "0.5"
    assert component_color("direct_x") != component_color("total")
    assert component_color("posterior") != component_color("survival")


def test_the_mediation_legend_says_what_direct_is_when_there_is_one():
    rows = pd.DataFrame({"component": ["total", "direct", "posterior", "survival", "interaction"]})
    fig = Figure(figsize=(10, 4))
    components_legend(fig, "mediation", rows)
    texts = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert [t.split(":")[0] for t in texts] == rows["component"].tolist()
    direct = texts[1]
    assert direct.startswith("direct: ") and direct != "direct: direct"
    assert "direct" in texts[-1].split(":", 1)[1]  # the interaction is what direct leaves
    colours = [component_color(c) for c in rows["component"]]
    assert len(set(colours)) == len(colours)
