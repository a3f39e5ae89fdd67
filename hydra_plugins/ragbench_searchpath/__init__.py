"""Hydra's hook for ragbench: installed plugins' `conf/` folders join the config search path."""

from __future__ import annotations

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class RagbenchSearchPath(SearchPathPlugin):
    """Append the `conf/` folder of every plugin found through the `ragbench.plugins` group."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        """Called by Hydra whenever it builds a search path (the CLI, `compose`)."""
        from harness import plugins

        plugins.discover()
        for folder in plugins.conf_dirs():
            search_path.append(provider="ragbench-plugin", path=f"file://{folder}")
