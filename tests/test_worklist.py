"""The worklist and the review queue in the admin, and gaps drafted through the admin."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crosswalk import gaps, services
from crosswalk.admin import worklist
from crosswalk.models import Gap, Instrument, Mapping, Provision, default_mapping_set_pk
from tests.factories import mapping

User = get_user_model()
JP = "jp-ai-promotion-act"
WORKLIST = "/admin/crosswalk/gap/worklist/"
REVIEW = "/admin/crosswalk/gap/review/"
RATIONALE = "The Act sets no comparable duty: nothing in it answers this provision."


def provision(public_id: str) -> Provision:
    return Provision.objects.get(public_id=public_id)


@pytest.fixture
def people(db):
    call_command("setup_roles", stdout=io.StringIO())
    made = {}
    for name in ("curator", "reviewer"):
        user = User.objects.create_user(name, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=name))
        made[name] = user
    return made


def logged_in(client, user):
    client.force_login(user)
    return client


def test_worklist_lists_unreviewed_units_with_suggestions_and_one_click_drafts(client, people):
    c = logged_in(client, people["curator"])
    mapping(f"{JP}:art_1", "eu-ai-act:art_1")
    gaps.gap_create(
        source=provision(f"{JP}:art_2"),
        target_instrument=Instrument.objects.get(slug="eu-ai-act"),
        rationale=RATIONALE,
        author=people["curator"],
    )
    changelist = c.get("/admin/crosswalk/mapping/").content.decode()
    assert WORKLIST in changelist and REVIEW in changelist
    page = c.get(WORKLIST, {"source": JP, "target": "eu-ai-act"}).content.decode()
    citable = Provision.objects.filter(instrument__slug=JP).citable().count()
    assert f"2 of {citable} citable units reviewed" in page
    art_1, art_2, art_3 = (provision(f"{JP}:art_{n}") for n in (1, 2, 3))
    assert f'id="unit-{art_1.pk}"' not in page and f'id="unit-{art_2.pk}"' not in page
    assert f'id="unit-{art_3.pk}"' in page
    assert (
        page.count('class="draft-mapping"')
        == worklist.UNITS_PER_PAGE * worklist.SUGGESTIONS_PER_UNIT
    )
    gap_link = f"/admin/crosswalk/gap/add/?source={art_3.pk}&amp;target_instrument="
    assert gap_link in page
    # One click: the gap form comes prefilled; saving it makes a draft through the service.
    eu = Instrument.objects.get(slug="eu-ai-act")
    form = c.get("/admin/crosswalk/gap/add/", {"source": art_3.pk, "target_instrument": eu.pk})
    assert form.status_code == 200
    response = c.post(
        "/admin/crosswalk/gap/add/",
        {"source": art_3.pk, "target_instrument": eu.pk, "rationale": RATIONALE,
         "method": "suggestion-assisted", "mapping_set": default_mapping_set_pk()},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    made = Gap.objects.get(source=art_3)
    assert made.status == "draft" and made.author == people["curator"]
    assert made.history.count() == 1
    page = c.get(WORKLIST, {"source": JP, "target": "eu-ai-act"}).content.decode()
    assert f'id="unit-{art_3.pk}"' not in page and f"3 of {citable}" in page
    # A second gap for the same unit is refused by the form, not a server error.
    again = c.post(
        "/admin/crosswalk/gap/add/",
        {"source": art_3.pk, "target_instrument": eu.pk, "rationale": RATIONALE,
         "mapping_set": made.mapping_set_id},
    )  # fmt: skip
    assert again.status_code == 200 and "already has a gap" in again.content.decode()


def test_worklist_queries_flat_in_page_size_apart_from_suggestions(client, people, monkeypatch):
    c = logged_in(client, people["curator"])
    calls = []
    monkeypatch.setattr(
        worklist, "suggestions_for", lambda unit, target, limit: calls.append(unit) or []
    )
    counts = []
    for size in (2, 6):
        monkeypatch.setattr(worklist, "UNITS_PER_PAGE", size)
        calls.clear()
        with CaptureQueriesContext(connection) as queries:
            assert (
                c.get(WORKLIST, {"source": JP, "target": "oecd-ai-recommendation"}).status_code
                == 200
            )
        counts.append(len(queries))
        assert len(calls) == size  # suggestions: one call per unit shown, as on a provision page
    assert counts[0] == counts[1]


def test_worklist_needs_the_drafts_permission(client, db):
    plain = User.objects.create_user("plain", is_staff=True)
    assert logged_in(client, plain).get(WORKLIST).status_code == 403
    assert client.get(REVIEW).status_code == 403


def submitted(people, n: int = 2):
    made = []
    for number in range(1, n + 1):
        m = services.mapping_create(
            source=provision(f"{JP}:art_{number}"),
            target=provision(f"eu-ai-act:art_{number}"),
            relationship="intersects_with",
            rationale_type="semantic",
            rationale="Both say what the act is for.",
            author=people["curator"],
        )
        made.append(services.mapping_submit(mapping=m, user=people["curator"]))
    gap = gaps.gap_create(
        source=provision(f"{JP}:art_10"),
        target_instrument=Instrument.objects.get(slug="eu-ai-act"),
        rationale=RATIONALE,
        author=people["curator"],
    )
    return made, gaps.gap_submit(gap=gap, user=people["curator"])


def test_review_queue_publishes_a_batch_through_the_services(client, people):
    (first, second), gap = submitted(people)
    c = logged_in(client, people["reviewer"])
    page = c.get(REVIEW).content.decode()
    assert (
        provision(f"{JP}:art_1").text[:40] in page
        and provision("eu-ai-act:art_1").text[:40] in page
    )
    assert f'name="gap" value="{gap.pk}"' in page
    response = c.post(
        REVIEW, {"action": "publish", "mapping": [first.pk, second.pk], "gap": [gap.pk]}
    )
    assert response.status_code == 302
    assert set(
        Mapping.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {"published"}
    published = Gap.objects.get(pk=gap.pk)
    assert published.status == "published" and published.reviewer == people["reviewer"]


def test_review_queue_returns_with_a_comment_and_keeps_four_eyes(client, people):
    (first, second), gap = submitted(people)
    c = logged_in(client, people["reviewer"])
    c.post(REVIEW, {"action": "return", "mapping": [first.pk], "gap": [gap.pk]})
    assert Mapping.objects.get(pk=first.pk).status == "in_review"  # no comment: nothing happens
    c.post(
        REVIEW,
        {"action": "return", "comment": "Name Article 50.", "mapping": [first.pk], "gap": [gap.pk]},
    )
    assert Mapping.objects.get(pk=first.pk).status == "draft"
    assert Gap.objects.get(pk=gap.pk).review_comment == "Name Article 50."
    # A curator may not publish from the queue; a reviewer may not publish their own edit.
    assert (
        logged_in(client, people["curator"])
        .post(REVIEW, {"action": "publish", "mapping": [second.pk]})
        .status_code
        == 403
    )
    services.mapping_return(mapping=second, reviewer=people["reviewer"], comment="Reword.")
    second = Mapping.objects.get(pk=second.pk)
    people["reviewer"].groups.add(Group.objects.get(name="curator"))
    second = services.mapping_update(
        mapping=second, editor=people["reviewer"], version=second.version, rationale="Reworded."
    )
    services.mapping_submit(mapping=second, user=people["reviewer"])
    response = logged_in(client, people["reviewer"]).post(
        REVIEW, {"action": "publish", "mapping": [second.pk]}, follow=True
    )
    assert "someone else must publish" in response.content.decode()
    assert Mapping.objects.get(pk=second.pk).status == "in_review"


def test_review_queue_queries_flat_in_its_length(client, people):
    c = logged_in(client, people["reviewer"])
    submitted(people, n=1)
    with CaptureQueriesContext(connection) as few:
        c.get(REVIEW)
    submitted_more = []
    for number in range(2, 6):
        m = services.mapping_create(
            source=provision(f"{JP}:art_{number}"), target=provision(f"eu-ai-act:art_{number}"),
            relationship="equal", rationale_type="semantic", rationale="Same words.",
            author=people["curator"],
        )  # fmt: skip
        submitted_more.append(services.mapping_submit(mapping=m, user=people["curator"]))
    with CaptureQueriesContext(connection) as many:
        page = c.get(REVIEW).content.decode()
    assert page.count('name="mapping"') == 5
    assert len(many) == len(few)


def test_oscal_import_in_the_admin_previews_then_imports_into_a_set(client, people, api):
    from crosswalk.models import MappingSet

    mapping(f"{JP}:art_1", "eu-ai-act:art_1", "subset_of")
    document = api.get(
        "/api/v1/exports/mappings.oscal.json", {"source": JP, "target": "eu-ai-act"}
    ).content
    admin = User.objects.create_superuser("boss", password="pw")
    c = logged_in(client, admin)
    upload = io.BytesIO(document)
    upload.name = "collection.json"
    page = c.post(
        "/admin/crosswalk/mappingset/import-oscal/", {"slug": "Partner X", "file": upload}
    )
    text = page.content.decode()
    assert "1 mapping(s), 0 gap(s), 0 error(s)" in text and "Import into partner-x" in text
    assert not MappingSet.objects.filter(slug="partner-x").exists()
    done = c.post(
        "/admin/crosswalk/mappingset/import-oscal/",
        {"slug": "partner-x", "content": document.decode(), "commit": "1"},
    )
    assert done.status_code == 302
    assert c.get(done["Location"]).status_code == 200
    [made] = Mapping.objects.filter(mapping_set__slug="partner-x")
    assert made.status == "draft" and made.author == admin and made.relationship == "subset_of"
    bad = c.post(
        "/admin/crosswalk/mappingset/import-oscal/",
        {"slug": "partner-x", "content": document.decode(), "commit": "1"},
    ).content.decode()
    assert 'id="oscal-errors"' in bad and "map 1" in bad  # the pair is in that set already
    assert Mapping.objects.filter(mapping_set__slug="partner-x").count() == 1
    curator = logged_in(client, people["curator"])
    assert curator.get("/admin/crosswalk/mappingset/import-oscal/").status_code == 200
