"""Every component a decomposition can have says what it is (issue 20, item 3): the pieces a
transplant swaps and the channels are declared with a meaning in
bargainlab.analysis.components, which the report and the figures read."""

from __future__ import annotations

from bargainlab.analysis.components import COMPONENTS, component_meanings
from bargainlab.relationships.channels import CHANNELS
from bargainlab.relationships.state import PIECES
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
