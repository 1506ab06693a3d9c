"""Vectors of dated texts: what is embedded, kept in step with the texts, shipped in fixtures/.

Every dated text gets one vector per language it has: the English text always, and the original
(Japanese, Korean) where there is one. `vectors_sync` computes only the vectors whose embedded
string changed (or that a different model made), taking them from fixtures/embeddings when a
shipped vector was made from the very same string by the same model, so a fresh database loads
them in seconds instead of running the model over the corpus (about 20 minutes on 2 cores).
`fixtures_write` rebuilds those files from the database (command `build_embeddings`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction

from crosswalk import embeddings
from crosswalk.models import Provision, ProvisionText, TextEmbedding


@dataclass(frozen=True)
class TextInput:
    text_id: int
    instrument: str
    public_id: str
    valid_from: datetime.date
    language: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.public_id}|{self.valid_from.isoformat()}|{self.language}"

    @property
    def hash(self) -> str:
        return embeddings.input_hash(self.value)


def _heading(row: dict, original: bool) -> str:
    return row["heading_original"] if original and row["heading_original"] else row["heading"]


def text_inputs(text_ids: list[int] | None = None) -> Iterator[TextInput]:
    """The strings to embed for each dated text (all, or those given), in both its languages.

    A paragraph without a heading borrows its nearest ancestor's current heading, in the same
    language where the ancestor has one in it."""
    provisions = {
        row["id"]: row
        for row in Provision.objects.values(
            "id", "parent_id", "heading", "heading_original", "public_id", "instrument__slug"
        )
    }

    def inherited(provision_id: int, original: bool) -> str:
        parent = provisions[provision_id]["parent_id"]
        while parent is not None:
            heading = _heading(provisions[parent], original)
            if heading:
                return heading
            parent = provisions[parent]["parent_id"]
        return ""

    texts = ProvisionText.objects.order_by("provision_id", "valid_from")
    if text_ids is not None:
        texts = texts.filter(pk__in=text_ids)
    fields = ("id", "provision_id", "valid_from", "heading", "text", "heading_original")
    for t in texts.values(*fields, "text_original", "original_language"):
        owner = provisions[t["provision_id"]]
        common = {
            "text_id": t["id"],
            "instrument": owner["instrument__slug"],
            "public_id": owner["public_id"],
            "valid_from": t["valid_from"],
        }
        if t["text"] or t["heading"]:
            value = embeddings.embedding_input(
                t["heading"], t["text"], inherited(t["provision_id"], False)
            )
            yield TextInput(**common, language="en", value=value)
        if t["text_original"] and t["original_language"] and t["original_language"] != "en":
            value = embeddings.embedding_input(
                _heading(t, True), t["text_original"], inherited(t["provision_id"], True)
            )
            yield TextInput(**common, language=t["original_language"], value=value)


def fixtures_read(directory: Path, model: str) -> dict[tuple[str, str], np.ndarray]:
    """Shipped vectors made by `model`, by (key, input hash)."""
    found: dict[tuple[str, str], np.ndarray] = {}
    for path in sorted(directory.glob("*.npz")):
        with np.load(path) as data:
            if str(data["model"]) != model:
                continue
            vectors = data["vectors"].astype(np.float32)
            for key, digest, vector in zip(data["keys"], data["hashes"], vectors, strict=True):
                found[(str(key), str(digest))] = vector
    return found


def vectors_sync(
    fixtures: Path | None = None, *, progress: Callable[[str], None] = print
) -> tuple[int, int, int]:
    """Bring TextEmbedding in line with the texts: (kept, taken from fixtures, computed)."""
    model = embeddings.model_id()
    inputs = list(text_inputs())
    stored = {
        (row["text_id"], row["language"]): (row["model"], row["input_hash"], row["pk"])
        for row in TextEmbedding.objects.filter(model=model).values(
            "pk", "text_id", "language", "model", "input_hash"
        )
    }
    wanted = {(i.text_id, i.language) for i in inputs}
    stale = [i for i in inputs if stored.get((i.text_id, i.language), ())[:2] != (model, i.hash)]
    orphans = [pair for pair in stored if pair not in wanted]
    if not stale and not orphans:
        return len(inputs), 0, 0
    shipped = fixtures_read(fixtures, model) if fixtures is not None and fixtures.exists() else {}
    rows = []
    missing = []
    for item in stale:
        vector = shipped.get((item.key, item.hash))
        if vector is None:
            missing.append(item)
        else:
            rows.append((item, vector))
    if missing:
        progress(f"Embedding {len(missing)} texts with {model} (not in the shipped vectors)…")
        for item, vector in zip(missing, embeddings.embed([m.value for m in missing]), strict=True):
            rows.append((item, vector))
    with transaction.atomic():
        doomed = {(i.text_id, i.language) for i in stale} | set(orphans)
        TextEmbedding.objects.filter(
            pk__in=[stored[pair][2] for pair in doomed if pair in stored]
        ).delete()
        TextEmbedding.objects.bulk_create(
            [
                TextEmbedding(
                    text_id=item.text_id,
                    language=item.language,
                    model=model,
                    input_hash=item.hash,
                    vector=embeddings.to_bytes(vector),
                )
                for item, vector in rows
            ],
            batch_size=500,
        )
    kept = len(inputs) - len(stale)
    return kept, len(stale) - len(missing), len(missing)


def fixtures_write(directory: Path) -> dict[str, int]:
    """Write fixtures/embeddings/<instrument>.npz from the database (after `vectors_sync`):
    keys "public id|valid from|language", input hashes, float16 vectors and the model id."""
    model = embeddings.model_id()
    stored = {
        (row["text_id"], row["language"]): (row["input_hash"], row["vector"])
        for row in TextEmbedding.objects.filter(model=model).values(
            "text_id", "language", "input_hash", "vector"
        )
    }
    by_instrument: dict[str, list[tuple[str, str, np.ndarray]]] = {}
    for item in text_inputs():
        digest, raw = stored.get((item.text_id, item.language), (None, None))
        if digest != item.hash:
            raise ValueError(f"{item.key}: no current vector; run vectors_sync first")
        by_instrument.setdefault(item.instrument, []).append(
            (item.key, digest, embeddings.from_bytes(raw))
        )
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for slug, entries in sorted(by_instrument.items()):
        np.savez_compressed(
            directory / f"{slug}.npz",
            model=np.array(model),
            keys=np.array([key for key, _, _ in entries]),
            hashes=np.array([digest for _, digest, _ in entries]),
            vectors=np.vstack([vector for _, _, vector in entries]).astype(np.float16),
        )
        counts[slug] = len(entries)
    return counts
