"""The scorer against people: hand-labelled predictions and refusals, and the rules case by case."""

from __future__ import annotations

import json

import pytest

from harness.config import ROOT
from harness.scoring import ScoringRules, judge
from harness.scoring.abstention import is_abstention
from harness.scoring.agreement import by_group, label_sets, load_labels, rules_say_correct
from harness.scoring.exact import exact_match, normalize, token_f1

RULES = ScoringRules()


def outcome(prediction: str, answers: list[str], question: str = "") -> str:
    return judge(prediction, answers, question, RULES).outcome


@pytest.mark.parametrize(
    ("prediction", "answers", "question"),
    [
        # a bare number is the asked quantity; units spelled, abbreviated or glued
        ("The minimum is 75.", ["75 seats"], "What is the minimum number of seats on Atoll?"),
        ("Atoll needs at least 75 users.", ["75 seats"], "How many users must Atoll have?"),
        ("The discount is 35%.", ["35 percent"], ""),
        ("It is 35 per cent.", ["35 percent"], ""),
        ("17.5 percent", ["17.5%"], ""),
        ("Files up to 310MB.", ["310 MB"], ""),
        ("1095 days", ["1,095 days"], ""),
        ("It costs $4,800 a year.", ["$4,800"], ""),
        ("It allows three devices.", ["3 devices"], ""),
        ("Two weeks.", ["14 days"], ""),
        ("Acme Sync 5.8.2 is the latest.", ["version 5.8.2"], ""),
        ("Use 9443.", ["port 9443"], "Apart from port 443, on what port is WebDAV reached?"),
        # a bare gold takes any unit; the question's own number can be the answer; a value in
        # parentheses restates, it does not hedge
        ("A week is approximately 7 days.", ["7"], "How many days are in a week?"),
        ("100 divided by 10 equals 10.", ["10"], "What is 100 divided by 10?"),
        ("Water boils at 100 degrees Celsius (212 degrees Fahrenheit).", ["100 degrees"], ""),
        ("It needs Android 12 or later.", ["Android 12"], ""),
        ("Acme is certified at Tier 3B.", ["Tier 3B"], ""),  # not 3 bytes
        # dates as dates, text as whole words with punctuation aside
        ("It came out on 9 March 2023.", ["March 9, 2023"], ""),
        ("Released 2023-03-09", ["March 9, 2023"], ""),
        ("Call `/v3/files/meta`.", ["/v3/files/meta"], ""),
        ("The error is ACS-2214.", ["ACS-2214"], ""),
        # the length of a correct sentence does not matter
        (
            "According to the documentation, the Pebble plan, which is the free entry point for "
            "people who want to try Acme Cloud Storage, lets you upload files of up to 310 MB.",
            ["310 MB"],
            "",
        ),
    ],
)
def test_correct_answers_a_careful_reader_accepts(
    prediction: str, answers: list[str], question: str
) -> None:
    assert outcome(prediction, answers, question) == "correct"


@pytest.mark.parametrize(
    ("prediction", "answers", "question"),
    [
        # decimals are kept: another fact's value is not accepted
        ("It takes 4.5 minutes.", ["45 minutes"], ""),
        ("45 minutes", ["4.5 minutes"], ""),
        ("32 GB", ["3.2 GB"], ""),
        ("17.5%", ["1.75 TB"], ""),
        # a different unit, noun or name
        ("310 GB", ["310 MB"], ""),
        ("14 hours", ["14 days"], ""),
        ("6 uploads at once", ["6 owners"], "How many owners can a vault have?"),
        ("Android 12", ["12 devices"], ""),
        ("12 devices", ["Android 12"], ""),
        ("Tier 4", ["Tier 4A"], ""),
        ("Tier 3C", ["Tier 3B"], ""),
        ("ACS-2215", ["ACS-2214"], ""),
        # hedging: two candidate values for the asked quantity
        ("75 or 60 seats", ["75 seats"], ""),
        ("Either March 9, 2023 or March 19, 2023.", ["March 9, 2023"], ""),
        ("port 9443, or maybe 9444", ["port 9443"], ""),
        # a number the question itself gives is no answer
        ("port 443", ["port 9443"], "Apart from port 443, on what port is WebDAV reached?"),
    ],
)
def test_wrong_answers_are_rejected(prediction: str, answers: list[str], question: str) -> None:
    assert outcome(prediction, answers, question) == "wrong"


def test_abstention_and_empty_are_outcomes_of_their_own() -> None:
    assert outcome("I don't know.", []) == "abstained"
    assert judge("I don't know.", [], "", RULES).correct  # the right behaviour
    assert outcome("", []) == "empty" and not judge("  ", [], "", RULES).correct
    assert outcome("The context does not say.", ["75 seats"]) == "abstained"
    assert outcome("The Estuary plan has 2 TB.", []) == "wrong"  # a hallucination
    assert outcome("Error ACS-2214 means the file type is unknown.", ["unknown file type"]) == (
        "wrong"  # "unknown" inside a real answer is no refusal; the gold words are not there
    )


def test_max_answer_words_is_optional_and_off_by_default() -> None:
    long = "The answer, stated at some length for the reader, is 75 seats on the Atoll plan. " * 3
    assert outcome(long, ["75 seats"]) == "correct"
    assert judge(long, ["75 seats"], "", ScoringRules(max_answer_words=20)).outcome == "wrong"


def test_exact_format_figures_stay_strict() -> None:
    assert normalize("  The  Pro-plan's LIMIT is: 37 GB! ") == "proplans limit is 37 gb"
    assert exact_match("75", ["75 seats"]) == 0.0  # correct, but not the gold's format
    assert token_f1("75", ["75 seats"]) == pytest.approx(2 / 3)
    assert judge("75 seats.", ["75 seats"], "", RULES).exact_match == 1.0


def test_abstention_detector_on_hand_labelled_phrasings() -> None:
    rows = [
        json.loads(line)
        for line in (ROOT / "data/labels/abstention.jsonl").read_text().splitlines()
    ]
    assert len(rows) >= 150
    wrong = [r["text"] for r in rows if is_abstention(r["text"]) != r["abstains"]]
    assert 1 - len(wrong) / len(rows) >= 0.95, wrong
    # both directions are represented, so neither "always" nor "never" passes
    assert 0.3 < sum(r["abstains"] for r in rows) / len(rows) < 0.7


def test_scorer_agrees_with_hand_labels_per_strategy() -> None:
    rows = load_labels()
    assert len(rows) >= 500
    table = by_group(rows, rules_say_correct(RULES), "file")
    assert {"prompt.jsonl", "rag.jsonl", "finetune.jsonl", "finetune_rag.jsonl"} <= set(table)
    for name, figures in table.items():
        assert figures["agreement"] >= 0.97, (name, figures)
        assert figures["false_accepts"] <= 0.02, (name, figures)
        assert figures["false_rejects"] <= 0.02, (name, figures)
    assert table["all"]["labelled_correct"] >= 100  # enough correct rows to measure rejects on


def test_every_outcome_agrees_with_hand_labels_on_house_format_replies() -> None:
    # abstention and hallucination figures count abstained against wrong, which the correct /
    # not-correct agreement above cannot see; the house format wraps every value in a greeting
    # and a sign-off, and the policy's hand-over must count as declining
    rows = [row for row in load_labels() if row["file"].startswith("acme_behaviour-")]
    assert {row["strategy"] for row in rows} >= {"finetune", "finetune_rag", "distilled"}
    assert sum(row["label"] == "abstained" for row in rows) >= 10
    judged = [outcome(row["prediction"], row["answers"], row["question"]) for row in rows]
    differ = [row["id"] for row, said in zip(rows, judged, strict=True) if said != row["label"]]
    assert len(differ) <= 0.02 * len(rows), differ


# The classes of real-text answers in issue 28, each written here in new words (not copied rows).
@pytest.mark.parametrize(
    ("prediction", "answers", "question"),
    [
        # a number the question contains, repeated in the answer; the unit of the asked kind
        ("She was 41 years old when she ran Race 12.", ["41"], "How old was she in Race 12?"),
        # currency and scale variants
        ("It cost 7 million.", ["$7 million"], "How much did the bridge cost?"),
        ("The fund holds $2.5m.", ["$2.5 million"], ""),
        ("a $3 billion endowment", ["$3,000 million"], ""),
        # spans of years in any form
        ("He led it from 1961 to 1974.", ["1961–74"], ""),
        ("between 1961 and 1974", ["1961-1974"], ""),
        # accepted short forms of names
        ("The Falcons won.", ["Atlanta Falcons"], "Who won the final?"),
        ("Maria Lopez chaired it.", ["Sr. Maria Lopez"], ""),
        ("It was directed by Father Paul Grant.", ["Father Paul Grant, O.P."], ""),
        ("A first year program for freshmen.", ["The First Year program"], ""),
        # one name of a list, where the question asks for several
        ("They sell Quill, Lantern and Ferry.", ["Lantern"], "What products do they sell?"),
        # a second value of the kind, said of another event, is context
        (
            "The hall opened in 1911 and the chapel was added in 1930.",
            ["1911"],
            "In what year did the hall open?",
        ),
        (
            "Work began on May 2, 2001 and ended on June 9, 2003.",
            ["May 2, 2001"],
            "When did work begin?",
        ),
    ],
)
def test_real_text_answers_a_reader_accepts(
    prediction: str, answers: list[str], question: str
) -> None:
    assert outcome(prediction, answers, question) == "correct"


@pytest.mark.parametrize(
    ("prediction", "answers", "question"),
    [
        # two conflicting values of one kind
        ("They won 27–20, then lost 38–10.", ["27–20"], "What was the final score?"),
        ("It opened in 1911 or in 1930.", ["1911"], "In what year did the hall open?"),
        ("from 1961 to 1980", ["1961–74"], ""),
        # scales are values: a million is not a billion
        ("$1.2 billion", ["$1.2 million"], ""),
        ("7 million", ["$7 billion"], ""),
        # the gold's words inside another name; a short name after another first name
        ("They played at Harbor Point Stadium.", ["Harbor Point"], "Where is the club based?"),
        ("Written by Paul J. Grant.", ["Anne K. Grant"], "Who wrote the lyrics?"),
        # one of several names where one is asked
        ("It was written by Paul Grant and Anne Grant.", ["Anne Grant"], "Who wrote the lyrics?"),
        # the right words under a negation or contrast
        (
            "The club did not move to Riverside Park.",
            ["Riverside Park"],
            "Where did the club move?",
        ),
        (
            "It was founded prior to the School of Law.",
            ["the School of Law"],
            "Which school came first?",
        ),
        # a unit of another kind than asked
        ("It has 41 years of history.", ["41"], "How many rooms does it have?"),
    ],
)
def test_real_text_answers_a_reader_rejects(
    prediction: str, answers: list[str], question: str
) -> None:
    assert outcome(prediction, answers, question) == "wrong"


def test_verdicts_resting_on_a_word_pattern_are_marked_uncertain() -> None:
    sure = judge("The hall opened in 1911.", ["1911"], "In what year did the hall open?", RULES)
    assert sure.uncertain is False and sure.uncertain_why is None
    cases = {
        ("The hall opened in 1911 and the chapel was added in 1930.", "1911"): "another event",
        ("The club did not move to Riverside Park.", "Riverside Park"): "negation",
        ("It was written by Paul Grant and Anne Grant.", "Anne Grant"): "list",
        ("They played at Harbor Point Stadium.", "Harbor Point"): "longer name",
    }
    for (prediction, gold), reason in cases.items():
        verdict = judge(prediction, [gold], "In what year did the hall open?", RULES)
        assert verdict.uncertain is True and reason in verdict.uncertain_why, verdict
    assert judge("I don't know.", ["1911"], "", RULES).uncertain is False


def test_scorer_agrees_with_hand_labels_on_real_text() -> None:
    # answers about a human-written Wikipedia article (SQuAD v1.1, data/realqa/notre-dame), both
    # directions bounded per strategy, as for acme
    folder = label_sets()["realqa/notre-dame"]
    rows = load_labels(folder)
    assert len(rows) >= 300 and all(row["answers"] for row in rows)
    table = by_group(rows, rules_say_correct(RULES), "strategy")
    assert {"prompt", "rag", "finetune_rag"} <= set(table)
    for name, figures in table.items():
        assert figures["agreement"] >= 0.97, (name, figures)
        assert figures["false_accepts"] <= 0.02, (name, figures)
        assert figures["false_rejects"] <= 0.02, (name, figures)
    assert table["all"]["labelled_correct"] >= 80  # enough correct rows to measure rejects on
    assert len(rows) - table["all"]["labelled_correct"] >= 80  # and wrong ones for accepts


def test_the_row_verdict_carries_the_uncertain_flag_and_its_reason() -> None:
    from harness.run.evaluate import verdict
    from harness.run.rows import PredictionRow

    def row(prediction: str) -> PredictionRow:
        return PredictionRow(id="q1", prediction=prediction, answers=["Riverside Park"], batch=0,
                             batch_seconds=0.1, latency_seconds=0.1, prompt_tokens=9,
                             completion_tokens=4, question="Where did the club move?")  # fmt: skip

    negated = verdict(row("The club did not move to Riverside Park."), RULES).to_json()
    assert negated["outcome"] == "wrong" and negated["uncertain"] is True
    assert "negation" in negated["uncertain_why"]
    plain = verdict(row("It moved to Riverside Park."), RULES).judgement
    assert plain.outcome == "correct" and plain.uncertain is False


# The classes of news answers in issue 37, each written here in new words (the news text itself
# may not be copied into the project).
@pytest.mark.parametrize(
    ("prediction", "answers", "question"),
    [
        # a day without its year: an ordinal, the day first, or with a year added
        ("Applications close on April 14th.", ["April 14"], "When do applications close?"),
        ("Applications close on 14 April.", ["April 14"], "When do applications close?"),
        ("They close on the 14th of April, 2025.", ["April 14"], "When do applications close?"),
        # the day inside a clause that goes on after it (the word after is no unit)
        (
            "The tariff starts on May 9 unless the parliament votes it down.",
            ["May 9"],
            "When does the tariff start?",
        ),
        # a bare gold number with its unit of measure, of the asked kind or of none asked
        ("The new pier is 412 metres long.", ["412"], "How long is the new pier?"),
        ("The crater is about 90 feet deep.", ["90"], "How deep is the crater?"),
        ("It spans 6.5 km across the bay.", ["6.5"], "What is the span of the new bridge?"),
        ("The record pumpkin weighed 1,150 kg.", ["1,150"], "How heavy was the record pumpkin?"),
        ("A 412-meter pier", ["412 metres"], ""),
        # a common noun in the plural, a name by its initials (and an acronym spelled out), a
        # town without its state
        ("Three beavers were seen.", ["beaver"], "Which animal was seen near the dam?"),
        ("Volunteers caught two foxes.", ["fox"], "Which animal did volunteers catch?"),
        ("She now teaches at UCSB.", ["University of California Santa Barbara"], ""),
        ("The National Transportation Safety Board opened a probe.", ["NTSB"], ""),
        ("He grew up in Tulsa.", ["Tulsa, Oklahoma"], "Where did he grow up?"),
        # the namesake, where the question asks for one
        ("The hall is named after Ruth Alvarez.", ["Ruth Alvarez"], "Who is the hall named for?"),
        # a second sentence with more detail, with a date, or denying another answer
        (
            "Malta was chosen for the summit. Delegates will meet in Valletta.",
            ["Malta"],
            "Which island was chosen for the summit?",
        ),
        (
            "The island chosen is Malta. The island was chosen in June.",
            ["Malta"],
            "Which island was chosen for the summit?",
        ),
        (
            "The island chosen is Malta. The island chosen was not Gozo.",
            ["Malta"],
            "Which island was chosen for the summit?",
        ),
    ],
)
def test_news_answers_a_reader_accepts(prediction: str, answers: list[str], question: str) -> None:
    assert outcome(prediction, answers, question) == "correct"


@pytest.mark.parametrize(
    ("prediction", "answers", "question"),
    [
        # another day, or two days for one
        ("Applications close on April 15th.", ["April 14"], "When do applications close?"),
        ("On 14 May.", ["April 14"], "When do applications close?"),
        ("April 14th or April 21st.", ["April 14"], "When do applications close?"),
        (
            "The tariff starts on May 19 unless the parliament votes it down.",
            ["May 9"],
            "When does the tariff start?",
        ),
        # a unit of another kind than asked, a count of other things, another number
        ("The pier weighs 412 tonnes.", ["412"], "How long is the new pier?"),
        ("The pier has 412 metres of railing.", ["412"], "How many lamps line the pier?"),
        ("The new pier is 41.2 metres long.", ["412"], "How long is the new pier?"),
        ("412 feet", ["412 metres"], ""),
        # another animal holding the gold's letters, an acronym of other words or in lower case
        ("Three beaverton fans were seen.", ["beaver"], "Which animal was seen near the dam?"),
        ("She now teaches at UCLA.", ["University of California Santa Barbara"], ""),
        ("Let us know.", ["United States"], "Which country hosted the summit?"),
        ("The National Safety Council opened a probe.", ["NTSB"], ""),
        # a wrong town before the right state; another name sharing the gold's last word
        ("He grew up in Norman, Oklahoma.", ["Tulsa, Oklahoma"], "Where did he grow up?"),
        ("She won the Junior Masters.", ["the Augusta Masters"], "Which event did she win?"),
        ("She won the junior masters.", ["the Augusta Masters"], "Which event did she win?"),
        # the gold as what another thing is named after, or whose relative it is
        (
            "The dinner took place in the hall named after Senator Ruth Alvarez.",
            ["Ruth Alvarez"],
            "Who hosted the dinner?",
        ),
        ("The husband of Ruth Alvarez hosted it.", ["Ruth Alvarez"], "Who hosted the dinner?"),
        # a right first sentence, then a second, conflicting answer to the same question
        (
            "The island chosen is Malta. Later reports said the island chosen was Gozo.",
            ["Malta"],
            "Which island was chosen for the summit?",
        ),
    ],
)
def test_news_answers_a_reader_rejects(prediction: str, answers: list[str], question: str) -> None:
    assert outcome(prediction, answers, question) == "wrong"


@pytest.mark.parametrize(
    ("prediction", "answers", "question", "said", "reason"),
    [
        # a name one letter off: a misspelling, or another person
        ("The award went to Priya Ramanathen.", ["Priya Ramanathan"], "", "wrong", "one letter"),
        # the everyday word for the quiz's more specific option
        ("Police seized a scooter.", ["electric scooter"], "", "wrong", "less specific"),
        # a more specific place than the gold, right or not
        (
            "It hit Galveston, Texas.",
            ["Texas"],
            "Which state did the storm hit?",
            "correct",
            "place",
        ),
        ("It hit the Texas Panhandle.", ["Texas"], "Which state did it hit?", "wrong", "place"),
    ],
)
def test_contestable_news_answers_are_marked_uncertain(
    prediction: str, answers: list[str], question: str, said: str, reason: str
) -> None:
    verdict = judge(prediction, answers, question, RULES)
    assert verdict.outcome == said and verdict.uncertain is True, verdict
    assert reason in verdict.uncertain_why, verdict


def test_near_misses_outside_the_contestable_classes_stay_sure() -> None:
    # two letters off, a question's own word, a code's last part: no reason to ask a judge
    for prediction, gold, question in [
        ("The award went to Priya Ramonathon.", "Priya Ramanathan", ""),
        ("Police seized a scooter.", "electric scooter", "Which scooter did police seize?"),
        ("Run tern trash ls.", "tern quota show", "How do you show usage?"),
    ]:
        assert judge(prediction, [gold], question, RULES).uncertain is False, prediction
