"""A deterministic generator of realistic snapshot documents, for benchmarks and tests.

Documents follow the Stockholm seed's layout and quirks (bullet glyphs, bold, space as thousands
separator, en dash, labels broken over two lines, tab-separated grid) and vary like real ones:
negative answers, missing sections, free-text labels, long and empty lists, several leads,
a region in the title, a City Manager instead of a Mayor. Same seed, same bytes.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from pipeline.synthetic import mark_corpus
from schemas.countries import COUNTRIES_PATH
from schemas.vocabulary import Vocabulary, load_vocabulary

WAVES = (2018, 2020)
SYLLABLES = ["ber", "lin", "sto", "ham", "vik", "port", "ma", "dor", "ra", "sel", "na", "gen", "tal", "mo",
             "ri", "fen", "lu", "cas", "ter", "ova", "bur", "ko", "les", "an", "del", "ru", "zen", "pa"]  # fmt: skip
FIRST_NAMES = ["Anna", "Lars", "Maria", "José", "Chen", "Amira", "Olga", "Kwame", "Sofia", "Noah", "Léa", "Ravi"]
LAST_NAMES = ["König", "García", "O'Neill", "Nakamura", "Svensson", "Dubois", "Okafor", "Rossi", "Kowalski"]
FREE_TEXT = {
    "staff_skills": ["Back-end developers", "Anthropologist", "Behavioural scientist"],
    "priority_policy_areas": ["Homelessness", "City Resilience", "Connectivity"],
    "success_factors": ["strong civic pride"],
    "benefits": ["Understanding environmental challenges and planning ahead"],
}


@dataclass(frozen=True)
class SynthDocument:
    wave: int
    filename: str
    text: str


def _labels(vocabulary: Vocabulary, dimension: str) -> list[str]:
    """Every wording of every option: labels and variants, so matching is exercised too."""
    return [
        wording
        for code in vocabulary.codes
        if code.dimension == dimension
        for wording in (code.label, *code.variants[:2])
    ]


def _pick(rng: random.Random, options: list[str], low: int, high: int) -> list[str]:
    chosen: list[str] = []
    seen: set[str] = set()
    for option in rng.sample(options, k=min(len(options), rng.randint(low, high) * 3)):
        key = option.lower()[:12]
        if key not in seen:
            seen.add(key)
            chosen.append(option)
        if len(chosen) >= high:
            break
    return chosen[: max(low, min(len(chosen), rng.randint(low, high)))]


def _with_free_text(rng: random.Random, dimension: str, items: list[str]) -> list[str]:
    if dimension in FREE_TEXT and rng.random() < 0.15:
        items = [*items, rng.choice(FREE_TEXT[dimension])]
    return items


def _prose_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _countries() -> list[tuple[str, str]]:
    with COUNTRIES_PATH.open(encoding="utf-8", newline="") as handle:
        return [(row["code"], row["name"]) for row in csv.DictReader(handle)]


def _population(rng: random.Random) -> str:
    value = rng.choice([rng.randint(20_000, 99_999), rng.randint(100_000, 999_999), rng.randint(1_000_000, 9_000_000)])
    style = rng.random()
    if style < 0.5:
        number = f"{value:,}".replace(",", " ")
    elif style < 0.8:
        number = f"{value:,}"
    else:
        number = f"{value / 1_000_000:.1f} million" if value >= 1_000_000 else f"{value:,}"
    return number + (f" ({rng.choice([2017, 2018, 2019])})" if rng.random() < 0.85 else "")


def city_name(index: int) -> str:
    """A unique, pronounceable name per index (index written in base len(SYLLABLES))."""
    parts = []
    number = index + len(SYLLABLES)
    while number:
        number, digit = divmod(number, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts).capitalize()


def render(index: int, wave: int, rng: random.Random, vocabulary: Vocabulary, countries: list[tuple[str, str]]) -> str:
    city = city_name(index)
    _, country = rng.choice(countries)
    region = f", {rng.choice(['Northern Province', 'Illinois', 'Bavaria', 'Ontario'])}" if rng.random() < 0.1 else ""
    header = f"City Innovation Snapshot {city.upper()}{region}, {country}"
    title = "City Manager" if rng.random() < 0.1 else "Mayor"
    leads = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(rng.choice([0, 1, 1, 1, 2, 3]))]
    start = rng.choice([2014, 2016, 2017, 2018, 2019])
    lines = ["", "", header, "", "Overview", ""]
    lines.append(f"- ▶ **{title}:** {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    lines.append(f"- ▶ **Term:** {start}–{start + rng.choice([3, 4, 5])}")
    lead_text = " and ".join(leads) if leads else "None"
    lines.append(f"- ▶ **Innovation Lead{'s' if len(leads) > 1 else ''}:** {lead_text}")
    lines.append(f"- ▶ **Population size:** {_population(rng)}")
    if rng.random() < 0.8:
        lines += ["- ▶ **Innovation / open data website:**", f"<https://{city.lower()}.example.org/innovation>"]
    lines += ["", "What is the organisational structure?", ""]
    if rng.random() < 0.15:
        lines.append(f"{city} does not have a dedicated innovation team; innovation is spread across departments.")
    else:
        location = rng.choice(
            ["the Mayor's Office", "the City Executive Office", "the Finance Department", "City Hall"]
        )
        staff = rng.choice(["9 staff", "a team of two", "less than 5 staff", "8-10 full-time and part-time staff",
                            "12 staff", "38 staff", "more than 100 staff in around 20 teams", "6 staff"])  # fmt: skip
        lines.append(f"Situated within {location}, {city}'s dedicated innovation team consists of **{staff}**.")
    skills = _with_free_text(rng, "staff_skills", _pick(rng, _labels(vocabulary, "staff_skills"), 1, 9))
    lines += ["", "Staff skills and profiles include:", "", *(f"- {skill}" for skill in skills), "", ""]
    if rng.random() < 0.7:
        lines += [f"Spotlight | {city} Urban Lab", "", f"The {city} Urban Lab tests new services with residents "
                  "and measures what works before scaling it across the administration.", ""]  # fmt: skip
    strategy = rng.random() < 0.5
    share = {2018: "44%", 2020: "50%"}[wave]
    lines += ["What is the city's innovation vision?", ""]
    if strategy:
        lines.append(f"Like {share} of cities surveyed, {city} has a **formal innovation strategy**.")
    else:
        lines.append(f"Unlike {share} of cities surveyed, {city} does not have a **formal innovation strategy**.")
    associations = _pick(rng, _labels(vocabulary, "innovation_associations"), 1, 2)
    lines += ["", "The city most closely associates innovation capacity with:", "",
              *(f"- **{item}**" for item in associations), ""]  # fmt: skip
    lines += ["What is the city's innovation approach?", ""]
    approach = rng.choice(["holistic", "specific", "both", "both"])
    phrase = {
        "holistic": ("Like 20% of cities surveyed", "from a holistic / macro level"),
        "specific": ("Along with 24% of cities surveyed", "in specific policy areas"),
        "both": (
            "Similar to more than half of cities surveyed",
            "both from a holistic / macro level and in specific policy areas",
        ),
    }[approach]
    lines.append(f"{phrase[0]}, {city} approaches innovation capacity **{phrase[1]}**.")
    areas = _with_free_text(
        rng,
        "priority_policy_areas",
        _pick(rng, [c.label for c in vocabulary.codes if c.dimension == "policy_areas"], 0, 3),
    )
    if areas:
        lines += ["", "The top priority policy areas for the city's innovation work are:", ""]
        for area in areas:
            words = area.split()
            lines += (
                [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])] if len(words) > 1 else [area]
            ) + [""]
    else:
        lines += ["", f"{city} does not prioritise policy areas for its innovation work.", ""]
    if rng.random() < 0.85:
        partners = _pick(rng, _labels(vocabulary, "partner_types"), 1, 5)
        data_partners = _pick(rng, _labels(vocabulary, "data_partners"), 1, 3)
        lines += ["What innovation partnerships exist?", "",
                  f"{city} has developed partnerships to **promote innovation capacity** with {_prose_list(partners)}.", "",
                  f"To **improve data use**, the city has also developed data partnerships with {_prose_list(data_partners)}, "
                  "to collect and analyse data.", ""]  # fmt: skip
    lines += ["", header, "", "What funding is available?", ""]
    if rng.random() < 0.8:
        sources = _pick(rng, _labels(vocabulary, "funding_sources"), 1, 4)
        lines += [f"Like 81% of cities surveyed, {city} has dedicated funding to support innovation capacity, which comes "
                  "from the following sources:", "", *(f"- **{s}**" for s in sources), ""]  # fmt: skip
        uses = _pick(rng, _labels(vocabulary, "funding_uses"), 1, 3)
        lines += [
            f"{city}'s funding for innovation capacity is generally directed towards **{_prose_list(uses)}.**",
            "",
        ]
    else:
        lines += [
            f"Unlike 81% of cities surveyed, {city} does not have dedicated funding to support innovation capacity.",
            "",
        ]
    benefits = _with_free_text(rng, "benefits", _pick(rng, _labels(vocabulary, "benefits"), 1, 4))
    factors = _with_free_text(rng, "success_factors", _pick(rng, _labels(vocabulary, "success_factors"), 1, 5))
    lines += ["How is innovation helping the city?", "", *(f"- ✓ **{b}**" for b in benefits), "",
              "The most critical success factors in supporting the city's innovation work are "
              f"**{_prose_list(factors)}.**", ""]  # fmt: skip
    if rng.random() < 0.85:
        challenge = rng.choice(_labels(vocabulary, "data_challenges"))
        planning = (
            "has become a **crucial component in urban planning**"
            if rng.random() < 0.6
            else "is not yet a component in urban planning"
        )
        lines += ["How is data used?", "", f"Data {planning} in {city}. One of the challenges preventing the use of data to "
                  f"support innovation goals is the **{challenge}.**", ""]  # fmt: skip
        if rng.random() < 0.5:
            lines += [f"{city} **publishes open data to a central, public online location.**", ""]
    grid = _pick(rng, [c.label for c in vocabulary.codes if c.dimension == "policy_areas"], 5, 15)
    lines += ["How are outcomes measured?", "",
              "Policy areas **with sufficient data** or **without sufficient data** to support innovation capacity in the city.", ""]  # fmt: skip
    for row in range(0, len(grid), 5):
        lines.append("\t".join(grid[row : row + 5]))
    lines += ["", "NB: No response provided by the city for the policy areas in grey."]
    return "\n".join(lines)


def generate(count: int, seed: int = 0) -> list[SynthDocument]:
    """``count`` documents spread over the waves; the same (count, seed) gives the same documents."""
    vocabulary = load_vocabulary()
    countries = _countries()
    documents = []
    for index in range(count):
        rng = random.Random(f"{seed}-{index}")
        wave = WAVES[index % len(WAVES)]
        text = render(index // len(WAVES), wave, rng, vocabulary, countries)
        documents.append(SynthDocument(wave, f"{city_name(index // len(WAVES)).lower()}.txt", text))
    return documents


def write_corpus(count: int, out: Path, seed: int = 0) -> list[Path]:
    """Write the documents under ``out/<wave>/``, and the marker that makes a build of ``out`` say that
    its data is synthetic (:mod:`pipeline.synthetic`)."""
    mark_corpus(out)
    paths = []
    for document in generate(count, seed):
        path = out / str(document.wave) / document.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document.text, encoding="utf-8")
        paths.append(path)
    return paths
