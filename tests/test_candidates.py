"""Candidate answers found in code (issue 33, item 1): each kind round-trips to its exact span
and sentence, caps spread coverage, and nothing is a stop word or a whole sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.generate.candidates import (
    WH_WORDS,
    Candidate,
    candidates,
    choose,
    section_candidates,
)
from harness.generate.pipeline import read_sections
from harness.generate.records import Section
from harness.generate.wording import split_sentences
from harness.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]


def _section(text: str, section_id: str = "doc.md#1", title: str = "Manual > Setup") -> Section:
    return Section(section_id, section_id.partition("#")[0], title, text)


def _check(candidate: Candidate, text: str) -> None:
    """The invariants every candidate keeps: exact span, exact evidence holding it."""
    assert text[candidate.start : candidate.end] == candidate.answer
    evidence_end = candidate.evidence_start + len(candidate.evidence)
    assert text[candidate.evidence_start : evidence_end] == candidate.evidence
    assert candidate.evidence_start <= candidate.start < candidate.end <= evidence_end
    assert candidate.wh == WH_WORDS[candidate.kind]


@pytest.mark.parametrize(
    ("sentence", "answer", "kind"),
    [
        ("Cove costs $7.35 per month when billed monthly.", "$7.35", "money"),
        ("The grant was worth €1.2 million over three years.", "€1.2 million", "money"),
        ("A Pebble account can be linked to at most 3 devices at once.", "3 devices", "number"),
        ("Every Pebble account includes 6.5 GB of storage.", "6.5 GB", "quantity"),
        ("It lowers the temperature by 2 °C when nobody is home.", "2 °C", "quantity"),
        ("The Leeds office opened on March 4, 2021 after a delay.", "March 4, 2021", "date"),
        ("The school was founded in 1842 by a priest.", "1842", "date"),
        ("Firmware 2.6 shipped in March 2026 with an eco report.", "March 2026", "date"),
        ("Updates install at 02:00 at night, never while heating.", "02:00", "time"),
        ("Dormant accounts are deleted after 270 days without a sign-in.", "270 days", "duration"),
        ("Upload a file with POST /api/v2/files and a token.", "POST /api/v2/files", "code"),
        ("The error BK-7 means that the quota is full.", "BK-7", "code"),
        ("Set `max_retries` to zero to turn retries off.", "max_retries", "code"),
        ("The college was founded by Father Edward Sorin with seven brothers.",
         "Father Edward Sorin", "person"),
        ("The campus grew under Father Walter J. Kellan for a decade.",
         "Father Walter J. Kellan", "person"),  # an initial inside a name, not cut at it
        ("Visitors pray at the Basilica of the Sacred Heart every evening.",
         "Basilica of the Sacred Heart", "name"),
        ('The building is known as the "Golden Dome" to students.', "Golden Dome", "term"),
        ("The contract sets a Service Level Agreement (SLA) for every region.",
         "Service Level Agreement", "term"),
    ],
)  # fmt: skip
def test_each_kind_round_trips_to_its_span_and_sentence(sentence: str, answer: str, kind: str):
    text = f"An opening sentence about nothing in particular. {sentence} A closing line follows."
    found = section_candidates(_section(text))
    match = [c for c in found if c.answer == answer]
    assert match, [(c.answer, c.kind) for c in found]
    assert match[0].kind == kind
    assert match[0].evidence == sentence
    for candidate in found:
        _check(candidate, text)


def test_sentences_do_not_end_at_abbreviations_initials_or_decimals():
    text = (
        "Dr. Smith arrived at 3.5 p.m. on Monday. J. R. Tolkien wrote it. It draws 1.8 W. "
        "A battery lasts 72 hours. Rated by U.S. News & World Report in 2020, it sells. "
        "It ships to the U.K. Next year it ships to Peru.\n- A list item\nLast line"
    )
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "Dr. Smith arrived at 3.5 p.m. on Monday.",
        "J. R. Tolkien wrote it.",
        "It draws 1.8 W.",
        "A battery lasts 72 hours.",
        "Rated by U.S. News & World Report in 2020, it sells.",
        "It ships to the U.K. Next year it ships to Peru.",  # read as one: the cost of the rule
        "A list item",
        "Last line",
    ]


def test_no_stop_word_nor_whole_sentence_is_an_answer():
    text = "The. It is. 2024.\nThe One.\nAnd so on, said the one who knew."
    for candidate in section_candidates(_section(text)):
        assert candidate.answer.casefold() not in {"the", "it", "one", "and", "the one"}
        assert candidate.answer.strip(".") != candidate.evidence.strip(".")
    assert not section_candidates(_section("2024.\nJanuary.\nThe end."))


def test_a_word_capitalised_only_to_start_a_sentence_is_no_name():
    text = "Architecturally, the school is plain. Immediately behind it is the Grotto of Lourdes."
    answers = {c.answer for c in section_candidates(_section(text))}
    assert "Architecturally" not in answers and "Immediately" not in answers
    assert "Grotto of Lourdes" in answers


def test_a_decade_is_a_date_not_a_duration():
    text = "Jazz clubs spread across the city in the 1920s and closed in the '40s."
    found = {c.answer: c.kind for c in section_candidates(_section(text))}
    assert found["1920s"] == "date" and found["40s"] == "date"
    # seconds written short stay a duration
    text = "The request times out after 30s when the server is busy."
    assert {c.answer: c.kind for c in section_candidates(_section(text))} == {"30s": "duration"}


def test_a_number_joined_to_a_word_as_a_modifier_is_no_candidate():
    text = "The club closed its third straight 12-win season. A 9-story tower opened next to it."
    assert not [c.answer for c in section_candidates(_section(text)) if re.search(r"\d", c.answer)]
    # the same amounts written as amounts still are
    text = "The club had 12 wins in its first season. The tower has 9 stories above the street."
    found = {c.answer: c.kind for c in section_candidates(_section(text))}
    assert found["12 wins"] == "number" and found["9 stories"] == "number"


def test_an_abbreviation_in_brackets_after_its_words_is_no_candidate():
    text = "Students earn a Bachelor of Fine Arts (BFA) and join the Guild of Lens and Light (GLL)."
    answers = {c.answer for c in section_candidates(_section(text))}
    assert "Bachelor of Fine Arts" in answers
    assert not answers & {"BFA", "GLL"}
    # capitals in brackets that are not the initials of the words before, or with no brackets
    text = "The probe was flown by the Harbour Group (NASA) and later by ESA in a second trial."
    answers = {c.answer for c in section_candidates(_section(text))}
    assert {"NASA", "ESA"} <= answers


def test_a_title_alone_is_no_name():
    text = "The founder, Fr. Tomas Ruiz, and the Rev. Ann Hale planned the hall with Father Ortiz."
    found = {c.answer: c.kind for c in section_candidates(_section(text))}
    assert "Fr" not in found and "Rev" not in found
    assert found["Father Ortiz"] == "person" and found["Tomas Ruiz"] == "name"


def test_a_name_with_dotted_letters_is_whole():
    text = "Our lab was praised by U.K. Science & Health Review in a long piece about Ana Silva."
    found = {c.answer: c.kind for c in section_candidates(_section(text))}
    assert found["U.K. Science & Health Review"] == "name"
    assert not any(answer.startswith("K.") for answer in found)


def test_post_nominal_letters_after_a_name_are_no_answer():
    text = "Since 1990 the school has been led by Mary K. Olsen, O.S.B., its sixth head."
    answers = {c.answer for c in section_candidates(_section(text))}
    assert "Mary K. Olsen" in answers and "O.S.B." not in answers
    # dotted letters that start a name, not after a comma, still are one
    text = "The hall was praised by U.K. Science Review in a long piece."
    assert "U.K. Science Review" in {c.answer for c in section_candidates(_section(text))}


def test_a_preposition_after_a_number_is_not_its_unit():
    text = "The chapel was built in 1871 under the care of Brother Amos."
    found = {c.answer: c.kind for c in section_candidates(_section(text))}
    assert found["1871"] == "date" and "1871 under" not in found
    text = "The chapel seats 1871 pilgrims under one roof."
    assert {c.answer: c.kind for c in section_candidates(_section(text))}[
        "1871 pilgrims"
    ] == "number"


def test_a_month_and_day_are_a_date():
    text = "On May 19 thousands of students marched downtown to the court house."
    found = {c.answer: c.kind for c in section_candidates(_section(text))}
    assert found["May 19"] == "date"
    assert not any(answer.startswith("19") for answer in found)


def test_a_quotation_is_a_title_only_when_written_like_one():
    text = ('Coach Hale gave the famous "Win One for the Gipper" speech. "In modern college life, '
            'sport matters," said the dean to the press.')  # fmt: skip
    answers = {c.answer for c in section_candidates(_section(text))}
    assert "Win One for the Gipper" in answers
    assert not any(a.startswith("In modern") for a in answers)


def test_a_name_in_the_heading_ranks_below_one_that_is_not():
    text = "The Heliotrope H2 is made by Brightfield Home in a factory near Leeds."
    found = section_candidates(_section(text, title="Heliotrope H2 overview"))
    ranks = {c.answer: c.score for c in found}
    assert ranks["Heliotrope H2"] < ranks["Brightfield Home"]


def test_a_section_gives_at_most_its_cap_and_spreads_kinds():
    text = (
        "Pebble costs $1 a month. Cove costs $7 a month. Reef costs $13 a month. "
        "Atoll costs $24 a month. All plans started on 1 May 2020."
    )
    chosen = choose(section_candidates(_section(text)), 2)
    assert len(chosen) == 2
    assert {c.kind for c in chosen} == {"money", "date"}


def test_documents_are_capped_round_robin_over_their_sections():
    text = "It costs $5 and weighs 3 kg. It shipped in March 2020 after 40 days of tests at 09:00."
    sections = [_section(text, f"a.md#{i}") for i in range(3)] + [_section(text, "b.md#1")]
    chosen = candidates(sections, per_section=2, per_document=4)
    from_a = [c for c in chosen if c.document == "a.md"]
    assert len(from_a) == 4
    # every section's best before any section's second
    assert [c.section_id for c in from_a[:3]] == ["a.md#0", "a.md#1", "a.md#2"]
    assert len([c for c in chosen if c.document == "b.md"]) == 2
    for section_id in ("a.md#0", "a.md#1", "a.md#2", "b.md#1"):
        assert len([c for c in chosen if c.section_id == section_id]) <= 2
    assert len(candidates(sections, per_section=5, per_document=100)) == 4 * 5


def test_candidates_are_the_same_on_every_run():
    sections = read_sections(ROOT / "data/acme/rev1/corpus.jsonl", "#")
    assert candidates(sections) == candidates(sections)


def test_the_repo_documents_give_exact_candidates_of_every_common_kind(tmp_path: Path):
    found = ingest(ROOT / "data/examples/docs", progress=False)
    sections = [Section(s.id, s.id.rpartition("#")[0], s.title, s.text) for s in found.sections]
    acme = read_sections(ROOT / "data/acme/rev1/corpus.jsonl", "#")
    kinds = set()
    for section in [*sections, *acme]:
        for candidate in section_candidates(section):
            _check(candidate, section.text)
            kinds.add(candidate.kind)
    assert {"money", "number", "quantity", "date", "time", "duration", "code", "name"} <= kinds
    chosen = candidates(sections)
    assert {c.answer for c in chosen} >= {"HT-2040", "March 2026", "9 days"}
