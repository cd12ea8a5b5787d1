"""The study-file reference is generated from the schema: every key of every model of a study
file appears, with a meaning, and so does every registered strategy with its parameters."""

from __future__ import annotations

import dataclasses
import re
import typing

from pydantic import BaseModel

from bargainlab.config import schema
from bargainlab.config.reference import attribute_docs, markdown_reference, sections
from bargainlab.strategies import available, get


def _models(tp: typing.Any) -> set[type[BaseModel]]:
    """Every pydantic model inside an annotation, found independently of the generator."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        found = {tp}
        for field in tp.model_fields.values():
            found |= _models(field.annotation)
        return found
    found: set[type[BaseModel]] = set()
    for arg in typing.get_args(tp):
        found |= _models(arg)
    return found


def _section_text(text: str, anchor: str) -> str:
    start = text.index(f"{{ #{anchor} }}")
    nxt = re.search(r"\n#{2,3} ", text[start:])
    return text[start : start + nxt.start()] if nxt else text[start:]


def test_every_model_reachable_from_the_study_has_a_section():
    wanted = _models(schema.StudySpec)
    assert {s.model for s in sections()} == wanted
    # the schema's own models are all reachable (none is documented nowhere); StudyTable is
    # their common base, not a table of the file
    declared = {
        obj
        for name in schema.__all__
        if isinstance(obj := getattr(schema, name), type)
        and issubclass(obj, BaseModel)
        and not name.startswith("_")
        and obj is not schema.StudyTable
    }
    assert declared <= wanted


def test_every_field_of_every_model_appears_with_a_meaning():
    text = markdown_reference()
    for section in sections():
        body = _section_text(text, section.anchor)
        for name in section.model.model_fields:
            row = re.search(rf"^\| `{name}` \|(.*)\|$", body, flags=re.MULTILINE)
            assert row, f"{section.model.__name__}.{name} missing from the reference"
            meaning = row.group(1).rsplit("|", 1)[-1].strip()
            assert meaning, f"{section.model.__name__}.{name} has no meaning (attribute docstring)"


def test_ranges_and_defaults_come_from_the_schema():
    text = markdown_reference()
    party = _section_text(text, "party-spec")
    assert "| `delta` | number | `1.0` | [0, 1] |" in party
    assert '| `prefers` | string | **required** | one of `"high"`, `"low"` |' in party
    rounds = _section_text(text, "rounds-spec")
    assert "| `tremble` | number | `1e-06` | (0, 0.5) |" in rounds


def test_every_registered_strategy_and_parameter_appears():
    text = markdown_reference()
    for name in available():
        body = _section_text(text, f"strategy-{name}")
        for field in dataclasses.fields(get(name)):
            assert f"| `{field.name}` |" in body, (name, field.name)
            assert attribute_docs(get(name)).get(field.name), (name, field.name)
