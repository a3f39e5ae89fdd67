"""A verified QA set from a corpus: a chat model proposes, code checks, the harness reads it.

`python -m harness.generate --corpus OUT/corpus.jsonl --out OUT model=<conf/model choice>` by
default (`generate.mode=answer_first`) finds answers and their evidence in code (`candidates`)
and asks the model only to phrase each question (`questions`), under constrained decoding where
the backend has it (`harness.models.constrained`). With `generate.mode=fact_first` it asks
the model, per corpus row (a section), for facts as a JSON array of
`{"question", "answer", "evidence"}` objects, then per kept fact for a JSON array of
`generate.paraphrases` rephrased questions, then per section for a JSON array of
`{"question", "guess"}` objects: questions the section does not answer, with the answer a
reader might guess. With `generate.mode=template` the questions are made by rules, the floor
the model must beat. Modules, in the order a run uses them:

- `settings`: the settings (`conf/generate.yaml`, prompts included) and their checks;
- `estimate`: calls, tokens and cost before starting; `generate.max_calls`/`max_cost_usd`;
- `replies`: strict parsing, bounded retries, the content-hashed reply cache, progress bars;
- `checks`: the checks a fact must pass, duplicate merging, the per-document cap;
- `candidates`, `questions`: answer-first: answers found in code, questions phrased by the model;
- `wording`: sentence ends, stop words, abbreviations, shared by `candidates` and `questions`;
- `template`: `generate.mode=template`: the same answers, questions made by rules (no model);
- `verify`: answer-first and template: the question's section retrieved, a reader answering it;
- `pipeline`: the stages, and the retrieval check of unanswerable questions;
- `output`: the split by fact, `questions.jsonl`, `facts.jsonl`, `generation.json`, the table;
- `review`: `python -m harness.generate.review OUT`, a seeded sample to read by hand, counted.
"""
