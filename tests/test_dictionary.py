"""docs/data-dictionary.md is generated from the models and never goes stale."""

from pipeline.aggregate.aggregates import aggregate_queries
from pipeline.dictionary import DICTIONARY_PATH, catalog, main, render_markdown
from pipeline.publish.views import view_queries
from schemas.models import TABLE_MODELS
from schemas.vocabulary import load_vocabulary


def test_the_data_dictionary_is_up_to_date():
    current = DICTIONARY_PATH.read_text(encoding="utf-8") if DICTIONARY_PATH.exists() else ""
    assert current == render_markdown(), "docs/data-dictionary.md is stale: run `make docs`"


def test_the_dictionary_covers_every_table_aggregate_and_view():
    names = [doc.name for doc in catalog()]
    assert set(names) == set(TABLE_MODELS) | set(aggregate_queries()) | set(view_queries())
    text = render_markdown()
    assert all(f"### {name}\n" in text for name in names)


def test_every_column_has_a_type_and_a_description():
    missing = [(doc.name, c.name) for doc in catalog() for c in doc.columns if not (c.description and c.type)]
    assert missing == []


def test_allowed_codes_keys_and_nullability_are_shown():
    text = render_markdown()
    assert "| `reason` | VARCHAR | no | Stable reason code | `empty`, `binary`," in text
    assert "| `approach` | VARCHAR | yes | holistic, specific or both | `both`, `holistic`, `specific` |" in text
    assert "| `strategy_change` | VARCHAR | no |" in text and "`gained`, `lost`, `unchanged`, `unknown`" in text
    assert "Unique key: `city, country, survey_wave`." in text
    assert "| `data_scientist` | Data scientist |" in text
    assert len(load_vocabulary().dimensions) == text.count("Used by:")


def test_the_check_mode_fails_on_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "data-dictionary.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr("pipeline.dictionary.DICTIONARY_PATH", stale)
    assert main(["--check"]) == 1
    assert "make docs" in capsys.readouterr().err
    assert main([]) == 0
    assert main(["--check"]) == 0
