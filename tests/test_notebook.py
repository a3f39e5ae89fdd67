"""notebooks/compare.ipynb runs headless on a tiny results folder."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "compare.ipynb"


@pytest.mark.slow  # starts a Jupyter kernel
def test_compare_notebook_executes(fake_results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGBENCH_RESULTS", str(fake_results))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    text = "".join(o.get("text", "") for o in outputs)
    assert "2 runs, 22 predictions" in text
    assert "Most accurate: rag/m" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 5
