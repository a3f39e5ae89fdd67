"""The reading rules for news answers (issue 37), each class in both directions.

Every sentence here is new, made up for the test: the news text of the labelled set may not be
copied into the project.
"""

from __future__ import annotations

import pytest

from harness.scoring import ScoringRules, judge
from harness.scoring.forms import demonyms, number_forms, unasked_forms

RULES = ScoringRules()


def verdict(prediction: str, gold: str, question: str = "") -> tuple[str, str | None]:
    found = judge(prediction, [gold], question, RULES)
    return found.outcome, found.uncertain_why


@pytest.mark.parametrize(
    ("prediction", "gold", "question"),
    [
        # the other number of a common noun, the quiz capitalising its option
        ("Goat", "Goats", "Which animal did the ferry ban?"),
        ("A stray goat boarded the ferry.", "Goats", "Which animal did the ferry ban?"),
        ("Lanterns", "Lantern", "What did the village light?"),
        ("Berries were recalled.", "Berry", "Which fruit was recalled?"),
        # a name without the words the question already says
        ("Halvorsen", "Halvorsen College", "Which college closed its library?"),
        ("It was Pine Ridge.", "Pine Ridge National Park", "Which national park closed?"),
        ("Port Elm", "Port Elm City", "Which city elected a new mayor?"),
        ("Nebraska has the biggest.", "State Fair of Nebraska", "Which state fair is biggest?"),
        # the name in full with the question's own words, in another order
        ("The biggest is the Nebraska State Fair.", "State Fair of Nebraska", "Which state fair?"),
        ("The Oregon Senate passed the bill.", "Oregon", "Which state Senate passed the bill?"),
        # the gold beside the question's own subject, joined by "and"
        (
            "Chile recalled an envoy amid the spat between Chile and Peru.",
            "Peru",
            "Chile recalled which country's envoy?",
        ),
        # the right number, with a year that dates the claim
        ("The tortoise turned 120 in 2023.", "120", "How old did the tortoise turn?"),
    ],
)
def test_news_forms_a_reader_accepts(prediction: str, gold: str, question: str) -> None:
    assert verdict(prediction, gold, question)[0] == "correct"


@pytest.mark.parametrize(
    ("prediction", "gold", "question"),
    [
        # a plural name's singular and a name's plural name others
        ("Kennedy", "the Kennedys", "Which family hosted the dinner?"),
        # a name whose only word left names a kind of thing; another name sharing a word
        ("The park", "Pine Ridge National Park", "Which national park closed?"),
        ("It was Elk Valley National Park.", "Pine Ridge National Park", "Which park closed?"),
        ("The terminal of the airport", "Lisbon Delgado International Airport", "Which airport?"),
        ("Halvorsen Pictures", "Halvorsen College", "Which college closed its library?"),
        # another value first, the gold only as a variant after it
        ("The usual age is 60, though some firms use 67.", "67", "What is the usual age?"),
        ("The capital is Lyon, or Paris in some accounts.", "Paris", "What is the capital?"),
        # a list of two whose other item the question does not say
        ("The envoys of Peru and Bolivia left.", "Peru", "Chile recalled which country's envoy?"),
        # a year is still a rival where the gold is a year
        ("It opened in 1911 or in 1930.", "1911", "In what year did the hall open?"),
    ],
)
def test_news_forms_a_reader_rejects(prediction: str, gold: str, question: str) -> None:
    assert verdict(prediction, gold, question)[0] == "wrong"


@pytest.mark.parametrize(
    ("prediction", "gold", "question", "said", "reason"),
    [
        # a country by its adjective: named through another thing
        (
            "A Peruvian port was flooded.",
            "Peru",
            "Which country was flooded?",
            "correct",
            "adjective",
        ),
        # a word added inside the name: a fuller name, or another one
        ("They left the Lisbon Climate Accord.", "Lisbon Accord", "", "correct", "word added"),
        # the gold as the place an office serves
        (
            "The Oslo Mayor dropped the toll plan.",
            "Oslo",
            "Which city dropped its toll plan?",
            "correct",
            "office",
        ),
        # the gold as the modifier of another name that is no office
        ("The Oslo Prize committee met.", "Oslo", "Which city hosted it?", "wrong", "longer name"),
        # a negated claim about the gold, and the gold only inside a question
        (
            "Lima is not running out of water.",
            "Lima",
            "Which city may run dry?",
            "wrong",
            "negated",
        ),
        (
            "The fair in Lima was held in which city?",
            "Lima",
            "Where was the fair?",
            "wrong",
            "question",
        ),
        # a less specific word: a compound's last part, a sentence-case gold's head noun
        ("Quakes", "Earthquakes", "What struck the coast?", "wrong", "less specific"),
        ("Seeds", "Frozen seeds", "What did the vault keep?", "wrong", "less specific"),
    ],
)
def test_contestable_news_forms_are_flagged(
    prediction: str, gold: str, question: str, said: str, reason: str
) -> None:
    outcome, why = verdict(prediction, gold, question)
    assert outcome == said and why is not None and reason in why, (outcome, why)


def test_a_country_adjective_beside_another_country_is_not_accepted() -> None:
    # the adjective may be of a person or a thing there: the place named is the other country
    outcome, _ = verdict(
        "The envoy flew to Chile to meet the Peruvian minister.", "Peru", "Where did he fly?"
    )
    assert outcome == "wrong"
    # nor where the question asks for no country or place
    assert verdict("A Peruvian port was flooded.", "Peru", "Who was flooded?")[0] == "wrong"


def test_a_negated_claim_after_the_gold_keeps_not_only() -> None:
    assert verdict("Lima is not only the capital but the largest.", "Lima", "")[0] == "correct"
    assert verdict("Lima has never run dry.", "Lima", "Which city ran dry?")[0] == "wrong"


def test_the_form_helpers() -> None:
    assert number_forms("Dogs") == ["dog"] and number_forms("otter") == ["otters"]
    assert number_forms("Carolina Panthers") == [] and number_forms("Paris") == []
    assert unasked_forms("Columbia University", "Which university?") == ["Columbia"]
    assert unasked_forms("North City", "Which city?") == []
    assert unasked_forms("Columbia University", "Who won?") == []
    assert "indonesian" in demonyms("Indonesia") and demonyms("France") == {"french"}
    assert demonyms("Atlantis") == set()
