"""Strategies answer test questions; each one lives in its own module.

A strategy is two files: its module, holding its settings schema (a dataclass whose fields carry
the defaults, registered with `harness.plugins.register_schema`), its class and its `build`
function, and `conf/strategy/<name>.yaml`, which names the builder in `_target_` and sets what
the dataset or run decides. The contract they implement (`Strategy`, `Capabilities`,
`SetupReport`, `Answer`) is `harness.strategy`; the harness finds the modules here by scanning
this package (`harness.plugins`) and never imports them by name. How to add one:
docs/extending/strategy.md.
"""
