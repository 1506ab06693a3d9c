"""Suggestions: shipped text vectors, the hybrid ranking through the API and the admin."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crosswalk import embeddings
from crosswalk.models import Provision, ProvisionText, TextEmbedding
from crosswalk.text_vectors import fixtures_read, text_inputs, vectors_sync

JP_ART_3 = "jp-ai-promotion-act:art_3"
KR_DEFINITION = "kr-ai-framework-act:art_2__subpara_1"
EU_ART_4 = "eu-ai-act:art_4"


def url(public_id: str) -> str:
    return f"/api/v1/provisions/{public_id}/suggestions/"


def is_within(inner: str, outer: str) -> bool:
    """Public ids nest: eu-ai-act:art_4__para_1 is within eu-ai-act:art_4."""
    return inner.startswith(outer + "__")


# Vectors ---------------------------------------------------------------------------------------


def test_shipped_vectors_match_the_model_and_are_loaded(db):
    model = embeddings.model_id()
    shipped = fixtures_read(settings.EMBEDDING_FIXTURES_DIR, model)
    assert len(shipped) >= 3800
    wanted = {("jp-ai-promotion-act:art_1__para_1", "ja"), (KR_DEFINITION, "ko"), (EU_ART_4, "en")}
    sample = [item for item in text_inputs() if (item.public_id, item.language) in wanted]
    assert {item.language for item in sample} == {"ja", "ko", "en"}
    fresh = embeddings.embed([item.value for item in sample])
    assert fresh.shape == (len(sample), 384)
    for item, vector in zip(sample, fresh, strict=True):
        stored = shipped[(item.key, item.hash)]
        assert float(stored @ vector) / float(np.linalg.norm(stored)) > 0.999
        row = TextEmbedding.objects.get(text_id=item.text_id, language=item.language, model=model)
        assert np.allclose(embeddings.from_bytes(row.vector), stored, atol=1e-6)


def test_a_changed_text_alone_is_embedded_again(db):
    text = ProvisionText.objects.get(provision__public_id=EU_ART_4, valid_until__isnull=True)
    before = dict(TextEmbedding.objects.filter(text=text).values_list("language", "input_hash"))
    assert vectors_sync(settings.EMBEDDING_FIXTURES_DIR)[1:] == (0, 0)  # all current
    text.text = "Providers shall train their staff in the safe use of AI systems."
    text.save()
    kept, shipped, computed = vectors_sync(settings.EMBEDDING_FIXTURES_DIR)
    assert (shipped, computed) == (0, 1) and kept >= 3800
    row = TextEmbedding.objects.get(text=text, language="en")
    assert row.input_hash != before["en"]
    expected = embeddings.embed([f"AI literacy\n{text.text}"])[0]
    assert np.allclose(embeddings.from_bytes(row.vector), expected, atol=1e-5)


# Ranking through the API ----------------------------------------------------------------------


def test_suggestions_explain_each_score_and_which_texts(staff_api):
    body = staff_api.get(url(JP_ART_3), {"target_instrument": "eu-ai-act"}).json()
    assert [row["rank"] for row in body] == list(range(1, 11))
    assert set(body[0]) == {
        "rank", "score", "public_id", "citation", "heading", "kind", "semantic_score",
        "lexical_score", "shared_terms", "semantic_texts", "also",
    }  # fmt: skip
    scores = [row["score"] for row in body]
    assert scores == sorted(scores, reverse=True)
    for row in body:
        assert row["public_id"].startswith("eu-ai-act:")
        # The Japanese original and its English translation are both compared.
        assert row["semantic_texts"] == ["en→en", "ja→en"]
        assert 0 < row["semantic_score"] <= 1
        assert row["lexical_score"] >= 0 and isinstance(row["shared_terms"], list)
    assert any(row["shared_terms"] for row in body)


def test_recitals_only_when_asked(staff_api):
    default = staff_api.get(url(JP_ART_3), {"target_instrument": "eu-ai-act", "limit": 50})
    assert not [r for r in default.json() if r["kind"] == "recital"]
    asked = staff_api.get(
        url(JP_ART_3),
        {"target_instrument": "eu-ai-act", "limit": 50, "include_recitals": "true"},
    ).json()
    assert [r for r in asked if r["kind"] == "recital"]


def test_a_provision_and_its_ancestor_are_never_both_shown(staff_api):
    related = []
    for source in (KR_DEFINITION, JP_ART_3, "us-nist-ai-rmf:fn_govern__cat_1__subcat_1-1"):
        body = staff_api.get(url(source), {"target_instrument": "eu-ai-act", "limit": 50}).json()
        shown = [row["public_id"] for row in body]
        assert not [(a, b) for a in shown for b in shown if is_within(a, b)]
        related += [(row["public_id"], other) for row in body for other in row["also"]]
    assert related, "some suggestion stands for a related provision"
    for public_id, other in related:
        below = other["relation"] in ("child", "descendant")
        assert other["relation"] in ("child", "descendant", "parent", "ancestor")
        inner, outer = (other["public_id"], public_id) if below else (public_id, other["public_id"])
        assert is_within(inner, outer)


def test_levels(staff_api):
    articles = staff_api.get(
        url(KR_DEFINITION), {"target_instrument": "eu-ai-act", "level": "article"}
    ).json()
    assert len(articles) == 10
    assert {row["kind"] for row in articles} <= {"article", "annex"}
    assert any(row["also"] for row in articles)  # the article's best parts
    leaves = staff_api.get(
        url(KR_DEFINITION), {"target_instrument": "eu-ai-act", "level": "leaf", "limit": 30}
    ).json()
    leaf_ids = [row["public_id"] for row in leaves]
    assert not Provision.objects.filter(public_id__in=leaf_ids, children__isnull=False).exists()
    principles = staff_api.get(
        url(EU_ART_4), {"target_instrument": "us-nist-ai-rmf", "level": "principle"}
    ).json()
    assert {row["kind"] for row in principles} <= {"subcategory", "characteristic"}
    by_article = staff_api.get(
        url(EU_ART_4), {"target_instrument": "us-nist-ai-rmf", "level": "article"}
    ).json()
    assert "category" in {row["kind"] for row in by_article}
    assert "subcategory" not in {row["kind"] for row in by_article}


def test_only_provisions_in_force_on_the_day(staff_api):
    today = staff_api.get(url(EU_ART_4), {"target_instrument": "us-eo-14110"})
    assert today.status_code == 200 and today.json() == []  # revoked in January 2025
    then = staff_api.get(url(EU_ART_4), {"target_instrument": "us-eo-14110", "as_of": "2024-06-01"})
    assert len(then.json()) == 10
    before_eu = staff_api.get(
        url(JP_ART_3), {"target_instrument": "eu-ai-act", "as_of": "2024-06-01"}
    )
    assert before_eu.json() == []  # the AI Act entered into force on 1 August 2024


def test_bad_parameters(staff_api):
    for params in ({"level": "chapter"}, {"as_of": "yesterday"}, {"include_recitals": "maybe"}):
        response = staff_api.get(url(JP_ART_3), {"target_instrument": "eu-ai-act", **params})
        assert response.status_code == 400
        assert set(params) <= set(response.json()["error"]["fields"])


def test_query_count_does_not_grow_with_limit(staff_api):
    staff_api.get(url(KR_DEFINITION), {"target_instrument": "eu-ai-act"})  # caches permissions
    counts = []
    for limit in (1, 50, 1):
        with CaptureQueriesContext(connection) as queries:
            response = staff_api.get(
                url(KR_DEFINITION), {"target_instrument": "eu-ai-act", "limit": limit}
            )
        assert len(response.json()) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


# The admin shows the same ranking and why ------------------------------------------------------


def test_admin_shows_the_same_suggestions_with_their_reasons(client, staff_api):
    user = get_user_model().objects.create_superuser("admin-suggest", password="pw")
    client.force_login(user)
    provision = Provision.objects.get(public_id=JP_ART_3)
    page = client.get(
        f"/admin/crosswalk/provision/{provision.pk}/change/?suggest_in=eu-ai-act"
    ).content.decode()
    api = staff_api.get(url(JP_ART_3), {"target_instrument": "eu-ai-act"}).json()
    assert page.count('class="suggestion-why"') == 10
    assert "ja→en" in page
    positions = [page.index(f"{row['citation']} —") for row in api]
    assert positions == sorted(positions)


@pytest.mark.parametrize("level", ["article", "leaf", None])
def test_ranking_ignores_other_models_vectors(staff_api, level):
    """Vectors of a model other than the configured one (the benchmark keeps some) are never
    compared with the configured model's."""
    params = {"target_instrument": "eu-ai-act", **({"level": level} if level else {})}
    before = staff_api.get(url(KR_DEFINITION), params).json()
    text = ProvisionText.objects.get(provision__public_id=KR_DEFINITION, valid_until__isnull=True)
    TextEmbedding.objects.create(
        text=text,
        language="en",
        model="bench:other",
        input_hash="x",
        vector=embeddings.to_bytes(np.ones(16, dtype=np.float32)),
    )
    assert staff_api.get(url(KR_DEFINITION), params).json() == before
