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


def _prepared_patterns() -> list:
    template = load_template()
    patterns = [template.benchmark, *template.team_location, *template.team_staff]
    patterns += [*template.approach_sentence.patterns, *template.benchmark_topics.values()]
    patterns += [p for fact in template.facts for p in (*fact.negative, *fact.positive)]
    patterns += [p for _, prepared in template.prose_lists.values() for p in prepared]
    return patterns


def _texts() -> list[str]:
    """Every blank-line-separated block (a paragraph, as the parser reads it) of the fixture documents,
    as written and upper-cased (case must not change what a pre-check lets through)."""
    from tests.parse_helpers import fixture_names, read_document

    texts: list[str] = []
    for name in fixture_names():
        document = read_document(name)
        texts += [" ".join(block.split()) for block in document.split("\n\n") if block.strip()]
    return texts + [text.upper() for text in texts]


def test_literal_pre_checks_never_change_what_a_pattern_finds() -> None:
    from pipeline.parse.template import fold

    patterns, texts = _prepared_patterns(), _texts()
    assert any(p.needle for p in patterns) and any(p.lowercase for p in patterns)
    for text in texts:
        folded = fold(text)
        for prepared in patterns:
            plain = prepared.pattern.search(text)
            checked = prepared.search(text, folded)
            assert (plain and plain.span()) == (checked and checked.span()), (prepared.pattern.pattern, text)
            assert prepared.found(text, folded) == (plain is not None)
            spans = [m.span() for m in prepared.pattern.finditer(text)]
            assert [m.span() for m in prepared.finditer_folded(text, folded)] == spans
