"""The permission matrix (issue 15, item 3), written once: every role × every API operation and
every admin workflow action, with the expected outcome of each cell in one table. Each cell is
exercised through HTTP (the API with its key or session, the admin with a logged-in session),
and its effect is checked: an admin action "done" changed the database, "denied" (403) and
"login" (redirect to the admin login) left it as it was.

API outcomes: "ok" 200; "drafts" 200 and the draft is in the answer; "published" 200 and only
published mappings are in it; "401"/"403"/"404" that status.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from crosswalk import services
from crosswalk.models import ImportUpload, Mapping, Organisation, PartnerAPIKey, Provision

User = get_user_model()

ROLES = (
    "anonymous", "anonymous, PUBLIC_READ", "partner key", "revoked key", "expired key",
    "curator", "reviewer", "superuser", "staff, no group",
)  # fmt: skip
DRAFT_RATIONALE = "Matrix draft: only curators, reviewers and superusers see this."
PUBLISHED_RATIONALE = "Matrix published: every reader sees this."

# The matrix. Columns in ROLES order:
#   anon    public  partner revoked expired curator reviewer super  staff
A = "401"
API = {
    # The schema is public documentation: it reads no key, so a bad one does not matter there.
    "schema":                  ("ok",) * 9,
    "jurisdictions list":      (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "jurisdiction detail":     (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "instruments list":        (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "instrument detail":       (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "provisions list":         (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "provision detail":        (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "provision suggestions":   (A, A, "403", A, A, "ok", "ok", "ok", "403"),
    "mappings list":           (A, "published", "published", A, A, "drafts", "drafts", "drafts", "published"),  # noqa: E501
    "mapping detail, published": (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "mapping detail, draft":   (A, "404", "404", A, A, "ok", "ok", "ok", "404"),
    "crosswalk":               (A, "published", "published", A, A, "drafts", "drafts", "drafts", "published"),  # noqa: E501
    "coverage":                (A, "published", "published", A, A, "drafts", "drafts", "drafts", "published"),  # noqa: E501
    "export provisions.csv":   (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "export mappings.csv":     (A, "published", "published", A, A, "drafts", "drafts", "drafts", "published"),  # noqa: E501
    # OSCAL is a publication: published mappings only, for everybody.
    "export OSCAL":            (A, "published", "published", A, A, "published", "published", "published", "published"),  # noqa: E501
    "topics list":             (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "topic detail":            (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "topic matrix":            (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "topic matrix.csv":        (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
    "compare":                 (A, "ok", "ok", A, A, "ok", "ok", "ok", "ok"),
}  # fmt: skip
# The admin is a session: a key or PUBLIC_READ opens nothing there.
L, D = "login", "denied"
ADMIN = {
    "add mapping":             (L, L, L, L, L, "done", D, "done", D),
    "edit draft":              (L, L, L, L, L, "done", D, "done", D),
    "submit":                  (L, L, L, L, L, "done", D, "done", D),
    "publish":                 (L, L, L, L, L, D, "done", "done", D),
    "return":                  (L, L, L, L, L, D, "done", "done", D),
    "retire":                  (L, L, L, L, L, D, "done", "done", D),
    "confirm":                 (L, L, L, L, L, D, "done", "done", D),
    "delete own draft":        (L, L, L, L, L, "done", D, "done", D),
    "delete published":        (L, L, L, L, L, D, D, D, D),
    "import":                  (L, L, L, L, L, "done", D, "done", D),
    "view history CSV":        (L, L, L, L, L, "done", "done", "done", D),
    "heatmap":                 (L, L, L, L, L, "done", "done", "done", D),
    "topic matrix":            (L, L, L, L, L, "done", "done", "done", D),
    "add curator":             (L, L, L, L, L, D, D, "done", D),
}  # fmt: skip
CELLS = len(ROLES) * (len(API) + len(ADMIN))


def provision(public_id: str) -> Provision:
    return Provision.objects.get(public_id=public_id)


@pytest.fixture
def world(db):
    """Users of each role, keys, and mappings in each state, written by a separate author."""
    call_command("setup_roles", stdout=io.StringIO())

    def person(name: str, group: str | None = None, **flags) -> User:
        user = User.objects.create_user(name, is_staff=True, **flags)  # sessions: no password
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    author, reviewer = person("author", "curator"), person("other-reviewer", "reviewer")
    users = {
        "curator": person("matrix-curator", "curator"),
        "reviewer": person("matrix-reviewer", "reviewer"),
        "superuser": person("matrix-superuser", is_superuser=True),
        "staff, no group": person("matrix-staff"),
    }
    organisation = Organisation.objects.create(name="Matrix agency")
    keys = {}
    for role in ("partner key", "revoked key", "expired key"):
        stored, keys[role] = PartnerAPIKey.objects.create_key(name=role, organisation=organisation)
    PartnerAPIKey.objects.filter(name="revoked key").update(revoked=True)
    PartnerAPIKey.objects.filter(name="expired key").update(
        expiry_date=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    )

    def make(source: str, target: str, state: str, rationale: str = "Matrix row.") -> Mapping:
        made = services.mapping_create(
            source=provision(source), target=provision(target), author=author,
            relationship="intersects_with", strength=5, rationale_type="semantic",
            rationale=rationale,
        )  # fmt: skip
        if state in ("in_review", "published"):
            made = services.mapping_submit(mapping=made, user=author)
        if state == "published":
            made = services.mapping_publish(mapping=made, reviewer=reviewer)
        return made

    mappings = {
        "published": make("jp-ai-promotion-act:art_1", "eu-ai-act:art_1", "published",
                          PUBLISHED_RATIONALE),
        "draft": make("jp-ai-promotion-act:art_2", "eu-ai-act:art_2", "draft", DRAFT_RATIONALE),
        "edit": make("jp-ai-promotion-act:art_3", "eu-ai-act:art_3", "draft"),
        "submit": make("jp-ai-promotion-act:art_4", "eu-ai-act:art_4", "draft"),
        "publish": make("jp-ai-promotion-act:art_5", "eu-ai-act:art_5", "in_review"),
        "return": make("jp-ai-promotion-act:art_6", "eu-ai-act:art_6", "in_review"),
        "retire": make("jp-ai-promotion-act:art_7", "eu-ai-act:art_7", "published"),
        "confirm": make("jp-ai-promotion-act:art_8", "eu-ai-act:art_8", "published"),
        "delete published": make("jp-ai-promotion-act:art_9", "eu-ai-act:art_9", "published"),
    }  # fmt: skip
    Mapping.objects.filter(pk=mappings["confirm"].pk).update(text_changed=True)
    return {"users": users, "keys": keys, "mappings": mappings}


def api_client(world, role: str, settings) -> APIClient:
    client = APIClient()
    settings.PUBLIC_READ = role == "anonymous, PUBLIC_READ"
    if role in world["keys"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['keys'][role]}")
    if role in world["users"]:
        client.force_authenticate(world["users"][role])
    return client


def api_outcome(client: APIClient, world, operation: str) -> str:
    draft, published = world["mappings"]["draft"], world["mappings"]["published"]
    pair = {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}
    # (path, query, how to tell whether the draft is in the answer, or None)
    in_text = lambda marker: lambda body: marker in body  # noqa: E731
    draft_target = in_text('"eu-ai-act:art_2"')
    requests = {
        "schema": ("/api/v1/schema/", {}, None),
        "jurisdictions list": ("/api/v1/jurisdictions/", {}, None),
        "jurisdiction detail": ("/api/v1/jurisdictions/JP/", {}, None),
        "instruments list": ("/api/v1/instruments/", {}, None),
        "instrument detail": ("/api/v1/instruments/eu-ai-act/", {}, None),
        "provisions list": ("/api/v1/provisions/", {"instrument": "eu-ai-act"}, None),
        "provision detail": ("/api/v1/provisions/eu-ai-act:art_1/", {}, None),
        "provision suggestions": (
            "/api/v1/provisions/jp-ai-promotion-act:art_1/suggestions/",
            {"target_instrument": "eu-ai-act", "limit": 3},
            None,
        ),
        "mappings list": ("/api/v1/mappings/", {"page_size": 100}, in_text(DRAFT_RATIONALE)),
        "mapping detail, published": (f"/api/v1/mappings/{published.pk}/", {}, None),
        "mapping detail, draft": (f"/api/v1/mappings/{draft.pk}/", {}, None),
        "crosswalk": ("/api/v1/crosswalk/", pair, draft_target),
        # Without the draft, the draft's source is among the unmapped provisions.
        "coverage": (
            "/api/v1/coverage/", pair, lambda body: '"jp-ai-promotion-act:art_2"' not in body
        ),
        "export provisions.csv": ("/api/v1/exports/provisions.csv", {}, None),
        "export mappings.csv": ("/api/v1/exports/mappings.csv", {}, in_text(DRAFT_RATIONALE)),
        "export OSCAL": ("/api/v1/exports/mappings.oscal.json", pair, in_text(DRAFT_RATIONALE)),
        "topics list": ("/api/v1/topics/", {}, None),
        "topic detail": ("/api/v1/topics/foundations/", {}, None),
        "topic matrix": ("/api/v1/topics/matrix/", {}, None),
        "topic matrix.csv": ("/api/v1/topics/matrix.csv", {}, None),
        "compare": (
            "/api/v1/compare/",
            {"topic": "foundations", "instruments": "eu-ai-act,jp-ai-promotion-act"},
            None,
        ),
    }  # fmt: skip
    path, query, sees_draft = requests[operation]
    response = client.get(path, query)
    if response.status_code != 200:
        return str(response.status_code)
    if sees_draft is None:
        return "ok"
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8-sig")
    if sees_draft(body):
        return "drafts"
    assert PUBLISHED_RATIONALE in body or operation in ("crosswalk", "coverage"), body[:300]
    return "published"


@pytest.mark.parametrize("role", ROLES)
def test_api_cells(role, world, settings):
    client = api_client(world, role, settings)
    actual = {operation: api_outcome(client, world, operation) for operation in API}
    expected = {operation: row[ROLES.index(role)] for operation, row in API.items()}
    assert actual == expected


ADMIN_LOGIN = "/admin/login/"
CSV = (
    "source_public_id,target_public_id,relationship,strength,rationale_type,rationale\n"
    "kr-ai-framework-act:art_1,eu-ai-act:art_1,intersects_with,5,semantic,Matrix import.\n"
)


def admin_outcome(client, world, role: str, action: str) -> str:
    """Performs the action; returns "done" when it took effect, else how it was refused."""
    m = world["mappings"]
    actor = world["users"].get(role)
    base = "/admin/crosswalk/mapping/"

    def post(url: str, data: dict | None = None, **kw):
        return client.post(url, data or {}, **kw)

    if action == "add mapping":
        response = post(f"{base}add/", {
            "source": provision("jp-ai-promotion-act:art_10").pk,
            "target": provision("eu-ai-act:art_10").pk, "relationship": "equal", "strength": 5,
            "rationale_type": "semantic", "rationale": "Matrix add."})  # fmt: skip
        done = Mapping.objects.filter(rationale="Matrix add.").exists()
    elif action == "edit draft":
        edit = m["edit"]
        response = post(f"{base}{edit.pk}/change/", {
            "source": edit.source_id, "target": edit.target_id, "relationship": "equal",
            "strength": 9, "rationale_type": "semantic", "rationale": "Matrix edit.",
            "version": edit.version})  # fmt: skip
        done = Mapping.objects.get(pk=edit.pk).rationale == "Matrix edit."
    elif action in ("submit", "publish", "return", "retire", "confirm"):
        target = m[action]
        before = Mapping.objects.get(pk=target.pk)
        response = post(f"{base}{target.pk}/workflow/{action}/", {"comment": "Matrix."})
        after = Mapping.objects.get(pk=target.pk)
        done = (after.status, after.version, after.text_changed) != (
            before.status, before.version, before.text_changed
        )  # fmt: skip
    elif action == "delete own draft":
        own = services.mapping_create(
            source=provision("jp-ai-promotion-act:art_11"), target=provision("eu-ai-act:art_11"),
            author=actor, relationship="equal", strength=5, rationale_type="semantic",
            rationale="Matrix own draft.",
        )  # fmt: skip
        response = post(f"{base}{own.pk}/delete/", {"post": "yes"})
        done = not Mapping.objects.filter(pk=own.pk).exists()
    elif action == "delete published":
        response = post(f"{base}{m['delete published'].pk}/delete/", {"post": "yes"})
        done = not Mapping.objects.filter(pk=m["delete published"].pk).exists()
    elif action == "import":
        upload = io.BytesIO(CSV.encode())
        upload.name = "matrix.csv"
        response = post(f"{base}import/", {"file": upload})
        found = re.search(r'name="upload" value="(\d+)"', response.content.decode())
        if found:
            response = post(f"{base}import/", {"upload": found.group(1), "commit": "1"})
        done = Mapping.objects.filter(rationale="Matrix import.").exists()
    elif action == "add curator":
        response = post("/admin/auth/user/add/", {
            "username": "matrix-new", "usable_password": "false", "role": "curator"})  # fmt: skip
        done = User.objects.filter(username="matrix-new", groups__name="curator").exists()
    else:
        url = {
            "view history CSV": f"{base}history.csv",
            "heatmap": f"{base}coverage/",
            "topic matrix": "/admin/crosswalk/topic/matrix/",
        }[action]
        response = client.get(url)
        done = response.status_code == 200
    if done:
        return "done"
    if response.status_code == 302 and response["Location"].startswith(ADMIN_LOGIN):
        return "login"
    if response.status_code == 403:
        return "denied"
    return f"not done ({response.status_code})"


@pytest.mark.parametrize("role", ROLES)
def test_admin_cells(role, world, client, settings):
    settings.PUBLIC_READ = role == "anonymous, PUBLIC_READ"
    if role in world["users"]:
        client.force_login(world["users"][role])
    if role in world["keys"]:  # sent along, and meaningless to the admin
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {world['keys'][role]}"
    actual = {action: admin_outcome(client, world, role, action) for action in ADMIN}
    expected = {action: row[ROLES.index(role)] for action, row in ADMIN.items()}
    assert actual == expected
    # Nothing refused left a trace.
    if "done" not in expected.values():
        assert not ImportUpload.objects.exists()


def test_the_matrix_is_complete():
    assert all(len(row) == len(ROLES) for row in (*API.values(), *ADMIN.values()))
    assert CELLS == 9 * (21 + 14)
