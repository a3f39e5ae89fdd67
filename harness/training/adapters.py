"""The adapter cache: a LoRA adapter for (base model, examples, training knobs), trained once.

Adapters are cached under `<cache_dir>/adapters/<key>`, keyed by a sha256 of the base model's
fingerprint, the examples and every training knob. An entry (peft `save_pretrained` output plus
`meta.json` and the digests of both) is written to a temporary folder beside it and renamed into
place, so a concurrent run never sees half of one; runs that miss the same entry train it once,
under its lock (see `harness.caches`); an entry missing a file, holding a damaged one or changed
since it was written is logged and trained again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.caches import entry_problem, read_or_build, write_manifest
from harness.files import write_json_atomic
from harness.models import Conversation
from harness.training import trainer
from harness.training.trainer import TrainingSettings

log = logging.getLogger(__name__)

META_FILE = "meta.json"
WEIGHTS_FILE = "adapter_model.safetensors"
CONFIG_FILE = "adapter_config.json"
_CACHE_FORMAT = 1  # bump when examples are built differently, so old adapters are not reused


@dataclass
class Adapter:
    """A peft model carrying the adapter, and the cache entry it was saved to or loaded from."""

    model: Any  # peft.PeftModel
    folder: Path
    meta: dict[str, Any]
    cache_hit: bool


def load_or_train(
    model: Any,
    tokenizer: Any,
    examples: list[tuple[Conversation, str]],
    settings: TrainingSettings,
    cache_dir: str,
    sources: list[str] | None = None,
) -> Adapter:
    """The adapter for these examples and settings: loaded from the cache, or trained and cached.

    `sources` names what each example was built from (`harness.training.batches`); None: all
    questions."""
    from peft import PeftModel

    trainer.quiet_peft()
    # keyed by what bf16 means on the device that trains (this CPU, or the GPU), not by "auto"
    settings = settings.resolved(str(next(model.parameters()).device))
    trainer.check_target_modules(model, settings.target_modules)
    key = adapter_key(model_identity(model, tokenizer), examples, settings, sources)
    folder = Path(cache_dir).expanduser() / "adapters" / key[:32]

    def read(warn: bool) -> Adapter | None:
        meta = _read_entry(folder, key, warn)
        if meta is None:
            return None
        log.info("loaded adapter %s (trained in %.0fs)", folder, meta["train_seconds"])
        return Adapter(PeftModel.from_pretrained(model, str(folder)), folder, meta, True)

    adapter, _ = read_or_build(
        folder,
        read,
        lambda: _train_entry(model, tokenizer, examples, settings, key, folder, sources),
    )
    return adapter


def _train_entry(
    model: Any,
    tokenizer: Any,
    examples: list[tuple[Conversation, str]],
    settings: TrainingSettings,
    key: str,
    folder: Path,
    sources: list[str] | None,
) -> Adapter:
    """Train a fresh adapter and write its cache entry."""
    peft_model, measured = trainer.fit(model, tokenizer, examples, settings, sources)
    meta = {"format": _CACHE_FORMAT, "key": key, "settings": asdict(settings), **measured}
    _write_entry(folder, peft_model, meta)
    return Adapter(peft_model, folder, meta, False)


def adapter_key(
    identity: str,
    examples: list[tuple[Conversation, str]],
    settings: Any,
    sources: list[str] | None = None,
) -> str:
    """sha256 of everything that decides an adapter: base model, examples, their sources (which
    ones may be held out), training knobs. Question-only examples hash as before sources
    existed, so their cached adapters are found."""
    digest = hashlib.sha256()
    header = {"format": _CACHE_FORMAT, "model": identity, "settings": asdict(settings)}
    if sources and set(sources) != {"questions"}:
        header["sources"] = sources
    digest.update(json.dumps(header, sort_keys=True).encode())
    for conversation, reply in examples:
        digest.update(json.dumps([conversation, reply], sort_keys=True).encode())
    return digest.hexdigest()


def model_identity(model: Any, tokenizer: Any) -> str:
    """A fingerprint of the base model: config, chat template and a strided sample of each tensor.

    Not its path: the packaged model's path depends on the cache folder, its weights do not.
    """
    digest = hashlib.sha256()
    config = model.config.to_dict()
    for volatile in ("_name_or_path", "transformers_version"):
        config.pop(volatile, None)
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    digest.update(f"{len(tokenizer)} {getattr(tokenizer, 'chat_template', '')}".encode())
    for name, tensor in model.state_dict().items():
        flat = tensor.detach().reshape(-1)
        digest.update(name.encode())
        digest.update(flat[:: max(1, flat.numel() // 64)][:64].float().numpy().tobytes())
    return digest.hexdigest()


def _read_entry(folder: Path, key: str, warn: bool) -> dict[str, Any] | None:
    """The meta of a complete entry for `key`, or None; `warn` logs why an existing one is not."""
    if not folder.exists():
        return None
    problem = entry_problem(folder, (META_FILE, CONFIG_FILE, WEIGHTS_FILE))
    if problem is None:
        try:
            meta = json.loads((folder / META_FILE).read_text())
        except (OSError, ValueError) as error:  # removed or rewritten since it was checked
            meta, problem = None, str(error)
        wanted = {"key": key, "format": _CACHE_FORMAT}
        if problem is None and not (isinstance(meta, dict) and wanted.items() <= meta.items()):
            problem = "its key does not match"
    if problem is not None:
        if warn:
            log.warning("adapter cache entry %s is unusable (%s); training again", folder, problem)
        return None
    return meta


def _write_entry(folder: Path, model: Any, meta: dict[str, Any]) -> None:
    """Save the adapter into a staging folder beside `folder`, then rename it into place; an
    unwritable cache costs only the caching (logged), never the trained adapter."""
    staging: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".training-"))
        model.save_pretrained(str(staging))
        write_json_atomic(staging / META_FILE, meta)
        write_manifest(staging)
        shutil.rmtree(folder, ignore_errors=True)  # an unusable entry left by an earlier run
        os.replace(staging, folder)
    except OSError as error:
        if _read_entry(folder, meta["key"], warn=False) is None:  # not a run that finished first
            log.warning("could not cache the adapter in %s (%s); continuing without", folder,
                        error.strerror or error)  # fmt: skip
        return
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    log.info("saved adapter to %s", folder)
