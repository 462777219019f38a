"""The parser's shortcuts never change an answer: each cheap path gives what the general one gives.

Each reference below is the general form a shortcut replaced: label_key's words found with a regular
expression, a line's cells cut with the cell pattern, a heading found from the line's full key."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.parse import lines, values
from pipeline.parse.layout import lines_may_have_columns, may_have_columns, reflow_columns
from pipeline.parse.lines import (
    _CELL_SPLIT,
    _SPACE,
    Line,
    clean_line,
    normalise_characters,
    split_source_lines,
    to_lines,
)
from pipeline.parse.state import ParseState
from pipeline.parse.template import NO_ROLE, Prepared, Template, fold, load_template
from pipeline.parse.values import restore_case, restore_case_in_lines, smart_title, split_top_level
from schemas.vocabulary import label_key, load_vocabulary, template_data

SOME = settings(max_examples=300, deadline=None)
_SPELLING = {"isation": "ization", "ising": "izing", "ise": "ize", "yse": "yze", "ysing": "yzing", "our": "or"}
_SPELLING |= {"centred": "centered", "programme": "program"}
_SPELLING_PATTERN = re.compile(r"isation|programme|(?:ising|ise|yse|ysing|our|centred)\b")
_SPACES = [" ", "  ", "   ", "\t", "\t\t", "\u00a0", "\u2003", "\u200b", "\u3000", "\f", "\v"]
_WORDS = ["a", "B", "the", "is", "ise", "our", "ys", "ation", "programme", "centred", "Innovation", "&", "'", "’"]
_WORDS += ["é", "İ", "ß", "ﬁ", "\u00ad", "Data", "x-y", "(c)", ":", "ing", "e", "d", "r"]

text_pieces = st.lists(st.sampled_from(_WORDS + _SPACES), max_size=16).map("".join)


def reference_key(label: str) -> str:
    """label_key as it was written with a regular expression for the words and the spelling."""
    if label.isascii():
        text = label.lower()
    else:
        text = unicodedata.normalize("NFKD", label)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", text.replace("&", " and "))
    if len(words) > 1 and words[0] in ("a", "an", "the"):
        del words[0]
    return _SPELLING_PATTERN.sub(lambda match: _SPELLING[match.group(0)], " ".join(words))


def reference_cells(raw: str) -> tuple[str, ...]:
    """The cells of a line without bullets or markup: cut with the cell pattern, spaces collapsed."""
    text = normalise_characters(raw).strip()
    cells = (" ".join(_SPACE.sub(" ", part).split()) for part in _CELL_SPLIT.split(text))
    return tuple(cell for cell in cells if cell)


@SOME
@given(text_pieces)
@example("Organisings, analysed programmes & the colour-centred ISE")
@example("Ysing yses our-ours\tcentreds")
def test_label_key_finds_the_words_and_spellings_the_patterns_find(text: str) -> None:
    assert label_key(text) == reference_key(text)


@SOME
@given(text_pieces)
@example("Education\t Transport / mobility \t\tBlight")
@example("Café\u2003\u2003\u2003Bar\u00a0 Baz")
def test_a_lines_cells_are_those_the_cell_pattern_cuts(text: str) -> None:
    assert clean_line(1, text).cells == reference_cells(text)


@SOME
@given(
    st.sampled_from([wording for wordings in template_data()["sections"].values() for wording in wordings]),
    text_pieces,
    text_pieces,
)
@example("Funding", "ﬁ", " é")
@example("Data use", "", "\u0301 İ")
@example("How is data used", "é ", "?")
def test_the_first_word_check_keeps_every_line_whose_key_is_a_heading(heading: str, before: str, after: str) -> None:
    """Also for text beyond ASCII after its first word (a ligature or accent before it, it is not judged)."""
    template = load_template()
    for text in (heading, heading.upper(), f"The {heading}", f"{before}{heading}", f"{heading}{after}"):
        if template.section_keys.get(label_key(text)) is not None:
            assert template.heading(text) is not None, text


def test_a_heading_spelled_beyond_ascii_inside_its_first_word_is_a_heading() -> None:
    """The first-word check judges text beyond ASCII only when it is ASCII past that word: a fullwidth
    letter inside the word ('Overvieｗ', NFKD 'Overview') leaves the line to its full key."""
    template = load_template()
    for text in ("Overvieｗ", "Ｏverview", "Data usｅ", "Funding ▶"):
        assert template.section_keys.get(label_key(text)) is not None, text
        assert template.heading(text) is not None, text


# --- paragraphs: needles, groups read off the folded text, lines built in C, bullet lists, list words ---

_SENTENCE_WORDS = ["partnerships", "to", "promote", "innovation", "capacity", "with", "data", "Situated", "within"]
_SENTENCE_WORDS += ["the", "City Hall", "team", "consists", "of", "6", "staff", "employs", "is", "are", "include"]
_SENTENCE_WORDS += ["critical success factors", "challenges", "using", "approaches", "generally", "directed"]
_SENTENCE_WORDS += ["towards", "Like", "50%", "more than half", "cities", "surveyed", "has", "dedicated", "funding"]
_SENTENCE_WORDS += ["does not", "formal", "strategy", "and", "as well as", "CITY", "Team", "É", "İ", "ß", ",", "."]
sentences = st.lists(st.sampled_from(_SENTENCE_WORDS), max_size=24).map(" ".join)
_REAL_SENTENCES = [
    "Situated within the City Hall, partly at the Royal Institute of Technology, Stockholm's dedicated innovation "
    "team consists of 6 staff.",
    "Like 50% of cities surveyed, Stockholm has developed partnerships to promote innovation capacity with "
    "Academia and Think tanks.",
    "The most critical success factors in supporting the city's innovation work are dedicated funding and "
    "leadership from City Manager.",
    "Similar to more than half of cities surveyed, Stockholm approaches innovation capacity both ways.",
]


def _template_patterns() -> list[tuple[str, Prepared]]:
    """Every prepared pattern of the template, named by where it is used."""
    template = load_template()
    found = [("benchmark", template.benchmark)]
    found += [(f"topic {name}", pattern) for name, pattern in template.benchmark_topics.items()]
    found += [(f"list {name}", p) for name, (_, patterns) in template.prose_lists.items() for p in patterns]
    found += [(f"fact {fact.name}", p) for fact in template.facts for p in (*fact.negative, *fact.positive)]
    found += [("team location", p) for p in template.team_location] + [("team staff", p) for p in template.team_staff]
    return found + [("approach", p) for p in template.approach_sentence.patterns]


@SOME
@given(sentences)
def test_a_pattern_matches_only_text_holding_its_needles(text: str) -> None:
    """Readers skip a paragraph whose folded text lacks a pattern's needle (or each of a fact's needles)
    without running the pattern: that is right only if every match holds them."""
    for text_variant in (text, *_REAL_SENTENCES):
        folded = fold(text_variant)
        if folded is None:
            continue
        for name, prepared in _template_patterns():
            if prepared.pattern.search(text_variant) is not None and prepared.needle is not None:
                assert prepared.needle in folded, name
        for fact in load_template().facts:
            if fact.needles is not None and fact.read(text_variant, None) is not None:
                assert any(needle in folded for needle in fact.needles), fact.name


@SOME
@given(sentences)
@example(_REAL_SENTENCES[0])
@example(_REAL_SENTENCES[1])
def test_a_group_read_off_the_folded_match_is_the_group_of_the_search(text: str) -> None:
    for name, prepared in _template_patterns():
        for group in prepared.pattern.groupindex:
            match = prepared.pattern.search(text)
            expected = None if match is None else match.group(group)
            assert prepared.group(text, fold(text), group) == expected, (name, group)


_LAYOUT_PIECES = ["Left column text runs here", "   ", "      ", "Right column", "\t", "- item", "", "\u2003", "x"]
layout_lines = st.lists(st.lists(st.sampled_from(_LAYOUT_PIECES), max_size=5).map("".join), max_size=12)


@SOME
@given(st.one_of(text_pieces.map(lambda text: [text]), layout_lines, st.lists(text_pieces, max_size=8)))
def test_lines_built_by_iterators_are_the_lines_clean_line_builds(raw_lines: list[str]) -> None:
    text = "\n".join(raw_lines)
    source = split_source_lines(text.lstrip("\ufeff"))
    expected = [clean_line(number, raw, column) for number, raw, column in reflow_columns(source)]
    assert to_lines(text) == expected


@SOME
@given(layout_lines)
@example(["Left column text runs here and on" + " " * 6 + "Right column text continues"] * 5)
def test_a_full_width_line_is_the_only_line_with_its_number(raw_lines: list[str]) -> None:
    """Attribution reads a full-width line's state from line_fields, keyed by number alone."""
    lines = [line for line in to_lines("\n".join(raw_lines)) if line.text]
    for line in lines:
        if line.column == 0:
            assert [other.number for other in lines].count(line.number) == 1


_OPTIONS = ["Academia", "Think tanks", "Human resource support", "zzz free text", "and Academia", "The Council"]
item_texts = st.lists(st.sampled_from([*_OPTIONS, "", "lower case tail"]), max_size=8)


@SOME
@given(item_texts)
def test_a_list_of_bullets_is_cut_as_the_general_path_cuts_it(texts: list[str]) -> None:
    """Bullet-only lists take a shortcut; a blank line and a plain line after them force the general path,
    which gives the same labels and one more for the plain line."""
    from pipeline.parse.lists import group_labels

    state = ParseState([], load_template(), load_vocabulary())
    bullets = [Line(number, f"- {text}", text, bool(text), False, (text,) if text else ()) for number, text in
               enumerate(texts, start=1)]  # fmt: skip
    plain = clean_line(len(texts) + 2, "Zzz")
    forced = group_labels(state, [*bullets, clean_line(len(texts) + 1, ""), plain], "partner_types", "partnerships")
    assert group_labels(state, bullets, "partner_types", "partnerships") == forced[:-1]
    assert forced[-1] == ("Zzz", [plain])


_FORMER_JOINT = re.compile(r"\s+(?:and|as well as)\s+")
_FORMER_CLAUSE_JOINT = re.compile(r",?\s+as well as(?: with)?\s+")
_FORMER_LIST_WORD = re.compile(r"^(?:and|or|as well as(?: with)?|with|plus)\s+", re.IGNORECASE)
_FORMER_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_FORMER_LEAD_SEPARATOR = re.compile(r"\s*(?:;|,|\band\b|&|/)\s*")
_GRAMMAR = ["and", "And", "or", "as well as", "as well as with", "with", "without", "plus", "the", "The", "a", "an"]
_GRAMMAR += ["Academia", "Ana Ruiz", ",", ";", "&", "/", ".", ":", '"', " ", "  ", "\t", "andy", "Anderson"]
grammar_texts = st.lists(st.sampled_from(_GRAMMAR), max_size=10).map(" ".join)


def _former_strip(segment: str) -> str:
    """strip_list_word as it was written with the English words in code."""
    segment = segment.strip().strip(".:;").strip()
    segment = _FORMER_LIST_WORD.sub("", segment, count=1)
    segment = _FORMER_ARTICLE.sub("", segment, count=1)
    return segment.strip().strip('"').strip()


@SOME
@given(grammar_texts)
@example("as well as with the Academia")
@example("and the Academia as well as with Anderson")
def test_the_templates_list_words_split_as_the_words_in_code_did(text: str) -> None:
    words = load_template().list_words
    assert [m.span() for m in words.joint.finditer(text)] == [m.span() for m in _FORMER_JOINT.finditer(text)]
    assert words.clause_joint.sub(", ", text) == _FORMER_CLAUSE_JOINT.sub(", ", text)
    assert words.strip(text) == _former_strip(text)
    assert words.lead_separator.split(text) == _FORMER_LEAD_SEPARATOR.split(text)


@SOME
@given(st.lists(st.sampled_from(["a", "\r", "\n", "\r\n", "\f", " ", "é"]), max_size=12).map("".join))
def test_text_without_carriage_returns_is_split_as_the_general_path_splits_it(text: str) -> None:
    assert split_source_lines(text) == text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@SOME
@given(st.one_of(text_pieces, sentences, st.sampled_from(["Overview", "Spotlight: X", "3", "Page 2 of 9"])))
def test_a_line_has_no_role_exactly_when_it_is_neither_title_furniture_nor_heading(text: str) -> None:
    """Sections tell content lines by equality with NO_ROLE."""
    title, furniture, heading = roles = load_template().roles(text)
    assert (roles == NO_ROLE) == (title is None and not furniture and heading is None)


_LINE_PIECES = ["- ", "* ", "1. ", "# ", "**", "__", "Word", "two words", " ", "  ", "   ", "\t", " \t", "\t ", "x"]
_LINE_PIECES += ["\f", "\v", "\x1c", "é", "\u2003", "▶ ", "’", ":"]
raw_lines = st.lists(st.sampled_from(_LINE_PIECES), max_size=12).map("".join)


def _former_clean(raw: str) -> tuple[str, bool, bool, tuple[str, ...]]:
    """The cleaning of a line as written before its shortcut for text with single spaces only."""
    text = (raw if raw.isascii() else normalise_characters(raw)).lstrip()
    heading = text[:1] == "#" and bool(lines._HEADING.match(text))
    if heading:
        text = lines._HEADING.sub("", text)
    if "__" in text:
        text = lines._EMPHASIS.sub("", text)
    elif "**" in text:
        text = text.replace("**", "")  # the same left-to-right removal when there is no '__'
    bullet = False
    while text[:1] in lines._BULLET_START:
        stripped = text.lstrip()
        match = lines._BULLET.match(stripped)
        if not match or not stripped[match.end() :].strip():
            break
        bullet = True
        text = stripped[match.end() :].lstrip()
    if text.isascii():
        clean = " ".join(text.split())
        if "\t" not in text and "   " not in text and "\f" not in text and "\v" not in text:
            return clean, bullet, heading, (clean,) if clean else ()
        if "   " not in text and text.replace("\t", " ").isprintable():
            # tabs are the only separators (no other control character, no run of 3 spaces): the
            # cells are the tab-separated parts, each with its spaces collapsed, empty ones dropped
            cells = tuple(" ".join(cell.split()) for cell in text.split("\t"))
            return clean, bullet, heading, tuple(cell for cell in cells if cell)
    else:
        clean = " ".join(lines._SPACE.sub(" ", text.replace("\t", " ")).split())
        if "   " not in text and not lines._OTHER_SPACE.search(text):
            return clean, bullet, heading, (clean,) if clean else ()  # nothing to split cells at
    cells = tuple(" ".join(lines._SPACE.sub(" ", cell).split()) for cell in lines._CELL_SPLIT.split(text.strip()))
    return clean, bullet, heading, tuple(cell for cell in cells if cell)


@SOME
@given(raw_lines)
@example("Education\tTransport / mobility\t\tBlight")
@example("**Bold** tail ")
@example("Education \tTransport")
@example("- ▶ **City Manager:** Noah O’Neill")
@example("Café\u2003Bar\u00a0Baz\u200b")
def test_a_line_is_cleaned_as_the_general_path_cleans_it(raw: str) -> None:
    """Text with single inner spaces only is its own clean text (and, split at tabs, its own cells)."""
    assert lines._clean(raw) == _former_clean(raw)


_QUOTE_PIECES = ["‘", "’", "‚", "‛", "“", "”", "„", "\u00ad", "\ufeff", "ﬁ", "\u00a0", "é", "a", "'", '"', " "]


@SOME
@given(st.lists(st.sampled_from(_QUOTE_PIECES), max_size=12).map("".join))
@example("“city’s” pro\u00adﬁle")
def test_quotes_are_straightened_as_the_translation_table_straightens_them(text: str) -> None:
    """normalise_characters replaces only the curly quotes present: what str.translate(_QUOTES) gives."""
    expected = text if text.isascii() else unicodedata.normalize("NFKC", text.lstrip("\ufeff"))
    if not text.isascii():
        expected = expected.translate(lines._QUOTES).replace("\u00ad", "")
    assert normalise_characters(text) == expected


def _former_restore_case(name: str, body: str) -> str:
    """restore_case as written before its lower case of the body became bytes."""
    if not name.isupper():
        return name
    if name.isascii():
        flat = body.replace("\n", " ").replace("\t", " ")
        lowered = flat.lower()
        if len(lowered) == len(flat):
            needle = " ".join(name.lower().split())
            start = lowered.find(needle)
            while start >= 0:
                end = start + len(needle)
                before, after = flat[start - 1 : start], flat[end : end + 1]
                if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                    found = flat[start:end]
                    if found[:1].isupper() and not found.isupper():
                        return found
                start = lowered.find(needle, start + 1)
            return smart_title(name)
    pattern = re.compile(r"(?<!\w)" + re.escape(name).replace(r"\ ", r"\s+") + r"(?!\w)", re.I)
    for match in pattern.finditer(body):
        found = " ".join(match.group(0).split())
        if found[:1].isupper() and not found.isupper():
            return found
    return smart_title(name)


_CASE_PIECES = ["SAN", "San", "san", " ", "\n", "\t", "JOSE", "Jose", "José", "?", "İ", "\u212a", "K", "k", "é", "_"]
_CASE_PIECES += ["▶", ".", "O'", "-", "x"]
case_texts = st.lists(st.sampled_from(_CASE_PIECES), max_size=14).map("".join)


@SOME
@given(case_texts, case_texts)
@example("SAN JOSE", "Welcome to San\nJose ▶ today")
@example("K?", "▶ k? and K? and \u212a? K?x")
@example("KIEL", "\u212aiel and Kiel")
@example("K?", "Ké ▶ and K?")
def test_a_capitalised_name_is_found_as_the_lower_cased_text_finds_it(name: str, body: str) -> None:
    """restore_case finds an ASCII name in the body's lower case as bytes: what str.lower's text gives."""
    values._flattened.cache_clear()
    assert restore_case(name.upper(), body) == _former_restore_case(name.upper(), body)


@SOME
@given(case_texts, st.lists(case_texts, max_size=6))
@example("SAN", ["SAN JOSE", "", "San_x san", "x San"])
@example("KIEL", ["\u212aiel", "Kiel"])
@example("KIEL", ["İ", "Kiel"])
@example("SAN JOSE", ["Welcome to San", "Jose today"])
def test_a_name_is_found_line_by_line_as_in_the_joined_body(name: str, texts: list[str]) -> None:
    """restore_case_in_lines searches each line: the same answer as restore_case on the joined lines."""
    texts = [" ".join(text.split()) for text in texts]  # clean line texts: single spaces, no tab or newline
    values._flattened.cache_clear()
    expected = restore_case(name.upper(), "\n".join(texts))
    assert restore_case_in_lines(name.upper(), texts) == expected


_ROLE_PIECES = ["City Innovation Snapshot", "city innovation profile", "page ", "of", "12", "3", "/", " ", "©", "(c)"]
_ROLE_PIECES += ["OECD", "Bloomberg Philanthropies", "and", "-", "x", "Overview", "\n"]


@SOME
@given(st.lists(st.sampled_from(_ROLE_PIECES), max_size=8).map("".join))
@example("12")
@example("page 3 of 12")
@example("City Innovation Snapshot")
@example("City Innovation Snapshot 12")
@example("12 x")
def test_one_scan_turns_away_only_lines_neither_title_nor_furniture(text: str) -> None:
    """roles scans once for a title prefix or whole-line furniture: each pattern alone says the same."""
    template = load_template()
    title, furniture, _ = _fresh_roles(template, text)
    assert title == (label_key(text) if template.header_place(text) is not None else None)
    assert furniture == template.is_page_furniture(text)


def _fresh_roles(template: Template, text: str) -> tuple[str | None, bool, object]:
    """roles(text) classified now, not read from the cache."""
    template.known_roles.pop(text, None)
    found = template.roles(text)
    return (None, False, None) if found is NO_ROLE else found


def test_only_the_listed_characters_lower_case_to_other_than_one_non_ascii_character() -> None:
    """The byte search of restore_case rests on this: every other character beyond ASCII lower-cases to
    exactly one character beyond ASCII, so '?' in the bytes never hides or fakes a match."""
    odd = [chr(code) for code in range(128, 0x110000) if not _one_non_ascii(chr(code).lower())]
    assert sorted(odd) == sorted(values._LOWER_NOT_ONE_NON_ASCII)


def _one_non_ascii(text: str) -> bool:
    return len(text) == 1 and not text.isascii()


_GAP_PIECES = ["a", " ", "  ", "\n", "\r", "\r\n", "\ufeff", "▶", "é", "\u00a0", "\u2003", "\u3000", "\u200b", "\t"]


@SOME
@given(st.lists(st.sampled_from(_GAP_PIECES), max_size=16).map("".join))
@example("▶ Mayor\nCafé\u2003Bar")
@example("\ufeff▶\r\u00a0")
def test_a_texts_lines_may_have_columns_where_the_whole_text_may(text: str) -> None:
    """The wide spaces looked for in the lines beyond ASCII only: the answer of the whole text's scan."""
    raw_lines = split_source_lines(text.lstrip("\ufeff"))
    assert lines_may_have_columns(text, raw_lines) == may_have_columns(text)


@SOME
@given(st.lists(st.sampled_from(["a", "b c", ",", ";", " ", ".", "[", "]", "-"]), max_size=12).map("".join))
def test_text_without_parentheses_is_split_as_the_separator_pattern_splits_it(text: str) -> None:
    for separators in (",;", ",", ";,", ".-]"):
        parts = re.split(f"[{re.escape(separators)}]", text)
        assert split_top_level(text, separators) == [part.strip() for part in parts if part.strip()]


_OVERVIEW_PIECES = ["Mayor", "Innovation / open data website", "a", "Z", " ", "  ", "\t", "\u00a0", "\u2003", ":"]
_OVERVIEW_PIECES += ["://", "(s)", "'", "&", ".", "-", "é", "1", "x" * 30, "<https://a.example.org>", "\x1c", "\u2028"]


@SOME
@given(st.lists(st.sampled_from(_OVERVIEW_PIECES), max_size=12).map("".join))
@example("Innovation Lead(s)  \t: Ana Ruiz")
@example("A" * 61 + ": too long a label")
@example("Mayor:\u2003 Anna")
def test_an_overview_line_is_read_as_the_label_line_pattern_reads_it(text: str) -> None:
    from pipeline.parse.overview import _LABEL_LINE, label_and_value

    match = _LABEL_LINE.match(text)
    assert label_and_value(text) == (None if match is None else (match.group("label"), match.group("value")))


_WRAP_PIECES = ["Land", "use", "-", "zon-", "ing", "Data", "data-", "x-", "- ", " ", "\t", "\u00a0", "é", "a", "Ba-"]
clean_texts = st.lists(
    st.lists(st.sampled_from(_WRAP_PIECES), min_size=1, max_size=6).map(lambda p: clean_line(1, "".join(p)).text),
    min_size=1,
    max_size=5,
).map(lambda texts: [text for text in texts if text] or ["x"])


@SOME
@given(clean_texts)
@example(["Digital gov-", "ernance"])
@example(["Land use -", "zoning"])
@example(["Public-", "Private partnerships"])
def test_clean_line_texts_are_joined_as_join_wrapped_joins_them(texts: list[str]) -> None:
    from pipeline.parse.lines import join_clean, join_wrapped

    assert join_clean(texts) == join_wrapped(texts)
    assert join_clean(texts[:1]) == texts[0]  # _longest_match reads a one-line run as its text


@SOME
@given(sentences)
@example("Like 20% of cities surveyed, Stockholm approaches innovation capacity from a holistic / macro level.")
@example("Stockholm is currently in the process of redefining its approach.")
@example("STOCKHOLM APPROACHES INNOVATION BOTH WAYS")
def test_a_first_match_group_is_the_group_of_the_first_match(text: str) -> None:
    """FirstMatch.group reads the group off the folded match (one scan): the group the search gives."""
    approach = load_template().approach_sentence
    for variant in (text, text.replace("Stockholm", "Ångström"), f"{text} approaches innovation {text}"):
        match = approach.search(variant)
        assert approach.group(variant, fold(variant), "approach") == (match.group("approach") if match else None)


_INITIAL_PATTERNS = [r"\bfoo", "bar", r"(?:a|B)+c", r"[^x]y", r"x?y", r"(?i:k)z", r"\d{1,3}\Z"]
_INITIAL_PATTERNS += [r"(?:\(c\)|©) ?OECD", "ſ"]
_INITIAL_PIECES = ["a", "B", "c", "x", "y", "z", "K", "k", "\u212a", "s", "S", "ſ", "(", "©", "1", " ", "_", "é", "Ⅰ"]
_INITIAL_PIECES += ["foo", "BAR", "Spotlight", "City Innovation Snapshot", "OECD", "page 2", "Bloomberg Philanthropies"]


@SOME
@given(st.lists(st.sampled_from(_INITIAL_PIECES), max_size=6).map("".join))
@example("\u212az")
@example("ſpotlight: x")
def test_a_text_turned_away_by_its_first_character_has_no_match_at_its_start(text: str) -> None:
    """roles and heading skip the title, furniture and spotlight patterns for a text whose first ASCII
    character no match starts with: the pattern itself never matches there."""
    from pipeline.parse.template import ascii_initials, may_match_at_start

    template = load_template()
    patterns = [template._title_or_furniture, template._spotlight]
    patterns += [re.compile(source, flags) for source in _INITIAL_PATTERNS for flags in (0, re.IGNORECASE)]
    for pattern in patterns:
        if not may_match_at_start(ascii_initials(pattern), text):
            assert pattern.match(text) is None, (pattern.pattern, text)


def _former_may_be_section_key(template: Template, text: str) -> bool:
    """Template._may_be_section_key as written before its answers were kept per first token."""
    first = re.compile(r"[A-Za-z0-9]+").search(text)
    if first is None:
        return True
    if not text.isascii() and not text[: first.end() + 1].isascii():
        return True
    if "&" in text:
        return True
    word = first.group(0).lower()
    return word in ("a", "an", "the") or label_key(word) in template._section_first_words


@SOME
@given(text_pieces, text_pieces)
@example("How", " is data used?")
@example("-", " Overview")
@example("The", "&Funding")
def test_the_first_word_check_kept_per_token_answers_as_the_whole_text_check(head: str, tail: str) -> None:
    template = load_template()
    for text in (f"{head} {tail}", f"{head}{tail}", head, f"{tail} {head}"):
        expected = _former_may_be_section_key(template, text)
        assert template._may_be_section_key(text) == expected, text
        assert template._may_be_section_key(text) == expected, text  # answered from the kept tokens


@SOME
@given(sentences)
@example(_REAL_SENTENCES[1])
@example("Like 50% of cities surveyed and unlike most cities, Stockholm has dedicated funding.")
def test_matches_on_the_folded_text_are_those_finditer_gives(text: str) -> None:
    """finditer_folded searches once where the needle occurs once: the matches finditer finds."""
    folded = fold(text)
    if folded is None:
        return
    for name, prepared in _template_patterns():
        if prepared.lowercase is not None:
            expected = [(m.span(), m.groups()) for m in prepared.lowercase.finditer(folded)]
            found = [(m.span(), m.groups()) for m in prepared.finditer_folded(text, folded)]
            assert found == expected, name


@SOME
@given(
    st.lists(
        st.sampled_from([*_REAL_SENTENCES, "Stockholm has no formal innovation strategy.", "xxy", "x"]), max_size=6
    )
)
def test_a_fact_or_group_read_again_answers_as_reading_it_afresh(texts: list[str]) -> None:
    """Fact.read and FirstMatch.group keep their last answer: asked again (with or without the folded text,
    for another group name), they answer as the reading itself does."""
    from pipeline.parse.template import FirstMatch

    template = load_template()
    two_groups = FirstMatch((Prepared(re.compile(r"(?P<a>x+)(?P<b>y*)", re.IGNORECASE)),))
    for text in texts:
        for folded in (fold(text), None):
            for fact in template.facts:
                assert fact.read(text, folded) == fact._read(text, folded), fact.name
            assert template.approach_sentence.group(text, folded, "approach") == (
                template.approach_sentence._group(text, folded, "approach")
            )
            for name in ("a", "b", "a"):
                assert two_groups.group(text, folded, name) == two_groups._group(text, folded, name), name


@SOME
@given(st.lists(st.sampled_from(["more", "than", "half", "one-third", "One", "third", "the", "majority", "few", "-"]),
                max_size=5).map(" ".join))  # fmt: skip
@example("More than  half")
@example("the Majority")
def test_a_stated_share_is_the_first_phrase_with_its_key(share: str) -> None:
    """share_phrase looks the key up in a table made once: the first phrase a scan in order finds."""
    template = load_template()
    scanned = next((spec for phrase, spec in template.share_phrases.items() if label_key(phrase) == label_key(share)),
                   None)  # fmt: skip
    assert template.share_phrase(share) == scanned


@SOME
@given(st.lists(st.sampled_from([*_OPTIONS, "Engineers", "zzz", "Public policy analysts"]), max_size=6))
def test_items_built_in_their_dict_are_the_items_init_builds(labels: list[str]) -> None:
    """add_items sets an item's fields in its own dict and reads a known label's code inline: the items
    Item(...) gives with code_or_other, labels coded before or not."""
    from pipeline.parse.record import Item, SnapshotRecord

    state = ParseState([], load_template(), load_vocabulary())
    state.record = SnapshotRecord("City", "Country")
    for _ in range(2):
        state.add_items("partner_types", [(label, 7) for label in labels], "partner_types")
    code = load_vocabulary().code_or_other
    expected = [
        Item("partner_types", position, code("partner_types", label), label, 7)
        for position, label in enumerate(labels * 2, start=1)
    ]
    assert state.record.items == expected
    assert [repr(item) for item in state.record.items] == [repr(item) for item in expected]
