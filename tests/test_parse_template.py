"""The snapshot template is the one place that knows a snapshot's wording: change it there and the
parser follows, with no code change."""

from __future__ import annotations

from pathlib import Path

from pipeline.parse.document import HANDLERS, parse_text
from pipeline.parse.template import load_template
from schemas.vocabulary import TEMPLATE_PATH


def test_every_reader_the_template_names_exists() -> None:
    template = load_template()
    named = {*template.section_handlers.values(), template.default_handler}
    assert named <= set(HANDLERS)


def test_a_heading_worded_differently_in_the_template_is_followed(tmp_path: Path, stockholm_text: str) -> None:
    wording = TEMPLATE_PATH.read_text(encoding="utf-8").replace("- How is data used?", "- Data in practice")
    custom = tmp_path / "template.yaml"
    custom.write_text(wording, encoding="utf-8")
    text = stockholm_text.replace("How is data used?", "Data in practice")
    default = parse_text(text).record
    followed = parse_text(text, template=load_template(custom)).record
    assert default is not None and followed is not None
    assert "data" not in default.sections_found
    assert "data" in followed.sections_found
    assert followed.uses_data_in_urban_planning is True
    assert [item.code for item in followed.items_of("data_challenges")] == ["data_incompatibility"]


def test_the_section_reader_is_chosen_by_the_template(tmp_path: Path, stockholm_text: str) -> None:
    wording = TEMPLATE_PATH.read_text(encoding="utf-8").replace("  outcomes: outcomes_grid\n", "")
    custom = tmp_path / "template.yaml"
    custom.write_text(wording, encoding="utf-8")
    record = parse_text(stockholm_text, template=load_template(custom)).record
    assert record is not None
    assert record.policy_area_data == []
    assert record.unparsed_lines, "the grid read as prose is kept as unparsed, not lost"
