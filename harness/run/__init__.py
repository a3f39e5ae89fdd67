"""Running one cell: check its settings, find its run folder, answer its questions, evaluate.

`runner` is the entry (`python -m harness`); `settings` checks a config before anything loads and
chooses the questions; `key` names the run folder from what decides the predictions; `folder`,
`rows` and `results` are the run folder's files; `evaluate` is the one path from stored raw
generations to verdicts, metrics and costs; `machine` and `threads` describe and set the hardware;
`subsets` draws seeded samples of questions and facts.
"""
