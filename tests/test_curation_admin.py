"""Curation defects found by using the admin as its users do (issue 11, items 1 and 3–9, and the
roles of issue 15): each test fails without its fix. The browser-level checks (real clicks) are
in test_browser.py."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosswalk import services
from crosswalk.importers.mapping_csv import (
    MAX_CELL,
    MAX_FILE_BYTES,
    mappings_csv_commit,
    mappings_csv_parse,
)
from crosswalk.models import Mapping, Organisation, PartnerAPIKey, Provision
from tests.factories import mapping

User = get_user_model()
JP_ART_1 = "jp-ai-promotion-act:art_1"
JP_ART_2 = "jp-ai-promotion-act:art_2"
JP_ART_3 = "jp-ai-promotion-act:art_3"
EU_ART_1 = "eu-ai-act:art_1"
EU_ART_2 = "eu-ai-act:art_2"
EU_ART_3 = "eu-ai-act:art_3"
EU_ART_4 = "eu-ai-act:art_4"
HEADER = "source_public_id,target_public_id,relationship,strength,rationale_type,rationale\n"


def provision(public_id: str) -> Provision:
    return Provision.objects.get(public_id=public_id)


@pytest.fixture
def people(db):
    call_command("setup_roles", stdout=io.StringIO())
    made = {}
    for name in ("curator", "curator2", "reviewer", "reviewer2"):
        user = User.objects.create_user(name, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=name.rstrip("2")))
        made[name] = user
    return made


def as_user(client, user):
    client.force_login(user)
    return client


def draft(author, source=JP_ART_1, target=EU_ART_1, **fields) -> Mapping:
    values = {"relationship": "intersects_with", "strength": 5, "rationale_type": "semantic",
              "rationale": "Both state the purpose of the act."}  # fmt: skip
    values.update(fields)
    return services.mapping_create(
        source=provision(source), target=provision(target), author=author, **values
    )


def published(people, **fields) -> Mapping:
    made = services.mapping_submit(
        mapping=draft(people["curator"], **fields), user=people["curator"]
    )
    return services.mapping_publish(mapping=made, reviewer=people["reviewer"])


class FormOwners(HTMLParser):
    """For each element id and each named button, the id of the form it sits in (or None)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[str] = []
        self.owner: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(attributes.get("id") or "anonymous")
        where = self.forms[0] if self.forms else None  # the browser drops a nested <form>
        if attributes.get("form"):
            where = attributes["form"]
        if attributes.get("id"):
            self.owner[attributes["id"]] = where
        if tag in {"button", "input"} and attributes.get("name"):
            key = f"{attributes['name']}={attributes.get('value', '')}"
            self.owner.setdefault(key, where)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.forms:
            self.forms.pop()


def owners(page: str) -> dict[str, str | None]:
    parser = FormOwners()
    parser.feed(page)
    return parser.owner


def change_form_data(response) -> dict:
    """What a browser posts back from an admin change page left as it is: every field's value,
    and every textarea's line breaks as CRLF (as browsers submit them)."""
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value).replace("\r\n", "\n").replace("\n", "\r\n")

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


# 1. "Suggest" on a provision page; line endings ------------------------------------------------


def test_suggest_form_is_its_own_get_form_outside_the_provision_form(client, people, admin_user):
    art_3 = provision(JP_ART_3)
    for user in (admin_user, people["curator"]):
        page = as_user(client, user).get(f"/admin/crosswalk/provision/{art_3.pk}/change/")
        where = owners(page.content.decode())
        assert where["provision_form"] == "provision_form"
        # Before: inside the provision's form, whose POST re-saved the provision (or a 403).
        assert where["suggest_in"] == where["suggest-button"] == "suggest-form", user
    # The form's submit is a GET to the same page: suggestions, and the provision untouched.
    before = art_3.history.count()
    page = as_user(client, people["curator"]).get(
        f"/admin/crosswalk/provision/{art_3.pk}/change/", {"suggest_in": "eu-ai-act"}
    )
    assert page.status_code == 200 and page.content.decode().count("Draft mapping") == 10
    assert art_3.history.count() == before


def test_text_saved_through_the_admin_has_unix_line_endings(client, admin_user):
    c = as_user(client, admin_user)
    art_3 = provision(JP_ART_3)
    assert "\n" in art_3.text or "\n" in art_3.texts.get().text
    url = f"/admin/crosswalk/provision/{art_3.pk}/change/"
    response = c.post(url, change_form_data(c.get(url)))
    assert response.status_code == 302, response.context and response.context["errors"]
    art_3.refresh_from_db()
    stored = [art_3.text, art_3.text_original, *art_3.texts.values_list("text", flat=True)]
    assert not any("\r" in text for text in stored)
    last, previous = art_3.history.order_by("-history_id")[:2]
    assert not last.diff_against(previous).changed_fields  # a re-save changes nothing
    # A new draft's rationale typed with line breaks.
    response = c.post(
        "/admin/crosswalk/mapping/add/",
        {"source": art_3.pk, "target": provision(EU_ART_3).pk, "relationship": "intersects_with",
         "rationale_type": "semantic", "rationale": "First line.\r\nSecond line.\rThird."},
    )  # fmt: skip
    assert response.status_code == 302
    assert Mapping.objects.get(source=art_3).rationale == "First line.\nSecond line.\nThird."


# 3. "Submit for review" saves the edits first --------------------------------------------------


def test_submit_for_review_saves_the_edits_on_the_page_first(client, people):
    made = draft(people["curator"], strength=5, rationale="Old rationale.")
    c = as_user(client, people["curator"])
    url = f"/admin/crosswalk/mapping/{made.pk}/change/"
    page = c.get(url)
    assert owners(page.content.decode())["_workflow=submit"] == "mapping_form"
    data = change_form_data(page)
    data.update(strength="8", rationale="New rationale.", _workflow="submit")
    response = c.post(url, data, follow=True)
    made.refresh_from_db()
    assert (made.status, made.strength, made.rationale) == ("in_review", 8, "New rationale.")
    assert "Saved. Mapping" in response.content.decode()
    assert "is now in review" in response.content.decode()


def test_submit_with_invalid_edits_neither_saves_nor_submits(client, people):
    made = draft(people["curator"], strength=5)
    c = as_user(client, people["curator"])
    url = f"/admin/crosswalk/mapping/{made.pk}/change/"
    data = change_form_data(c.get(url))
    data.update(strength="11", _workflow="submit")
    response = c.post(url, data)
    assert response.status_code == 200 and "Ensure this value is less than or equal to 10" in (
        response.content.decode()
    )
    made.refresh_from_db()
    assert (made.status, made.strength) == ("draft", 5)


# 4. A curator deletes their own draft --------------------------------------------------------


def test_curator_deletes_own_returned_draft_and_the_pair_is_free_again(client, people):
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    made = services.mapping_return(mapping=made, reviewer=people["reviewer"], comment="Redo.")
    url = f"/admin/crosswalk/mapping/{made.pk}/delete/"
    assert as_user(client, people["curator2"]).post(url, {"post": "yes"}).status_code == 403
    c = as_user(client, people["curator"])
    assert "Delete" in c.get(f"/admin/crosswalk/mapping/{made.pk}/change/").content.decode()
    assert c.post(url, {"post": "yes"}).status_code == 302
    assert not Mapping.objects.filter(pk=made.pk).exists()
    deleted = Mapping.history.get(id=made.pk, history_type="-")
    assert deleted.history_user == people["curator"]
    response = as_user(client, people["curator2"]).post(
        "/admin/crosswalk/mapping/add/",
        {"source": provision(JP_ART_1).pk, "target": provision(EU_ART_1).pk,
         "relationship": "equal", "rationale_type": "semantic", "rationale": "Again."},
    )  # fmt: skip
    assert response.status_code == 302


def test_nobody_deletes_a_submitted_mapping_through_the_curator_rule(client, people):
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    url = f"/admin/crosswalk/mapping/{made.pk}/delete/"
    assert as_user(client, people["curator"]).post(url, {"post": "yes"}).status_code == 403
    with pytest.raises(ValidationError, match="Cannot delete a mapping that is in review"):
        services.mapping_delete_draft(mapping=made, user=people["curator"])
    assert Mapping.objects.filter(pk=made.pk).exists()


# 5. Re-importing the export; malformed files ---------------------------------------------------


def staff_export(staff_api) -> bytes:
    response = staff_api.get("/api/v1/exports/mappings.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_reimporting_the_export_is_idempotent_and_changed_rows_become_drafts(
    people, staff_api, client
):
    kept = published(people, rationale="=SUM(1) looks like a formula\nover two lines.")
    revised = published(people, source=JP_ART_2, target=EU_ART_2, strength=4)
    open_draft = draft(people["curator"], source=JP_ART_3, target=EU_ART_3, strength=3)
    exported = staff_export(staff_api)
    versions = dict(Mapping.objects.values_list("pk", "version"))

    again = mappings_csv_parse(exported)
    assert again.ok, again.errors
    assert again.counts() == {"new": 0, "changed": 0, "unchanged": 3, "retired": 0}
    assert mappings_csv_commit(again, author=people["curator"]) == []
    assert dict(Mapping.objects.values_list("pk", "version")) == versions

    # The same file edited in a spreadsheet: two rows changed, one added.
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    for row in rows:
        if row["source_public_id"] == JP_ART_2:
            row["strength"] = "7"
        if row["source_public_id"] == JP_ART_3:
            row["rationale"] = "Both define terms."
    rows.append({**rows[0], "id": "", "source_public_id": "kr-ai-framework-act:art_1",
                 "target_public_id": EU_ART_1, "relationship": "intersects_with"})  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    edited = mappings_csv_parse(buffer.getvalue())
    assert edited.ok, edited.errors
    assert edited.counts() == {"new": 2, "changed": 1, "unchanged": 1, "retired": 0}
    mappings_csv_commit(edited, author=people["curator2"])

    open_draft.refresh_from_db()
    assert (open_draft.version, open_draft.rationale) == (versions[open_draft.pk] + 1,
                                                           "Both define terms.")  # fmt: skip
    revision = Mapping.objects.get(source=revised.source, target=revised.target, status="draft")
    assert (revision.strength, revision.provenance) == (7, "imported")
    assert Mapping.objects.get(pk=revised.pk).status == "published"  # until the revision is
    revision = services.mapping_submit(mapping=revision, user=people["curator2"])
    services.mapping_publish(mapping=revision, reviewer=people["reviewer"])
    assert Mapping.objects.get(pk=revised.pk).status == "retired"
    assert Mapping.objects.get(pk=kept.pk).status == "published"

    # Through the admin: the preview counts, and the commit says what it did.
    upload = io.BytesIO(staff_export(staff_api))
    upload.name = "export.csv"
    c = as_user(client, people["curator"])
    page = c.post("/admin/crosswalk/mapping/import/", {"file": upload}).content.decode()
    assert "0 new, 0 changed, 4 unchanged (skipped), 1 retired (skipped)" in page


def test_import_refuses_contradicting_pairs_in_the_file_and_against_the_database(people):
    stored = published(people, relationship="superset_of", strength=6, rationale="Broader.")
    content = HEADER + "\n".join(
        [
            # Against the database: the stored mapping read the other way round...
            f"{EU_ART_1},{JP_ART_1},subset_of,6,semantic,Broader.",  # ...repeated: unchanged
            f"{EU_ART_2},{JP_ART_2},superset_of,5,semantic,A.",
            f"{JP_ART_2},{EU_ART_2},superset_of,5,semantic,B.",  # contradicts the line above
            f"{EU_ART_3},{JP_ART_3},equal,5,semantic,C.",
            f"{JP_ART_3},{EU_ART_3},equal,5,semantic,C.",  # the line above again, reversed
        ]
    )
    preview = mappings_csv_parse(content)
    assert [(line, m.pk) for line, m in preview.unchanged] == [(2, stored.pk)]
    messages = {e.line: e.message for e in preview.errors}
    assert messages[4].startswith("contradicts line 3")
    assert messages[6] == "repeats line 5 the other way round"
    contradiction = mappings_csv_parse(HEADER + f"{EU_ART_1},{JP_ART_1},superset_of,6,semantic,X.")
    assert contradiction.errors[0].message.startswith(f"contradicts mapping {stored.pk}")
    assert not contradiction.ok and Mapping.objects.count() == 1


LONG = "x" * 140_000
BAD_FILES = {
    "unknown column": (
        f"source,target,relationship,rationale_typ\n{JP_ART_1},{EU_ART_1},equal,semantic\n",
        (1, "header", "unknown column(s): 'rationale_typ'"),
    ),
    "missing column": (f"source,target\n{JP_ART_1},{EU_ART_1}\n", (1, "header", "missing")),
    "repeated column": (
        f"source,target,relationship,relationship\n{JP_ART_1},{EU_ART_1},equal,equal\n",
        (1, "header", "repeated column(s): relationship"),
    ),
    "NUL in a rationale": (
        HEADER + f"{JP_ART_1},{EU_ART_1},equal,5,semantic,a\x00b\n",
        (2, "rationale", "contains a NUL character"),
    ),
    "NUL in a public id": (
        HEADER + f"{JP_ART_1}\x00,{EU_ART_1},equal,5,semantic,x\n",
        (2, "source_public_id", "contains a NUL character"),
    ),
    "field over the csv module's limit": (
        HEADER + f'{JP_ART_1},{EU_ART_1},equal,5,semantic,"{LONG}"\n'
        f"{JP_ART_2},{EU_ART_2},equal,5,semantic,fine\n",
        (2, "row", "unreadable CSV record: field larger than field limit"),
    ),
    "cell over the importer's limit": (
        HEADER + f"{JP_ART_1},{EU_ART_1},equal,5,semantic,{'y' * (MAX_CELL + 1)}\n",
        (2, "rationale", f"{MAX_CELL + 1:,} characters; the limit is {MAX_CELL:,}"),
    ),
    "file over the size limit": (
        HEADER + f"{JP_ART_1},{EU_ART_1},equal,5,semantic,x\n" * (MAX_FILE_BYTES // 40),
        (1, "file", f"over the limit of {MAX_FILE_BYTES:,} bytes"),
    ),
    "not UTF-8": (
        b"source,target,relationship\n" + b"\xff\xfe,\xff,equal\n",
        (1, "file", "Not UTF-8 text."),
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_malformed_files_are_reported_never_a_traceback(name, people, client, tmp_path):
    content, (line, field, message) = BAD_FILES[name]
    raw = content if isinstance(content, bytes) else content.encode()
    preview = mappings_csv_parse(raw)
    assert any(
        (e.line, e.field) == (line, field) and e.message.startswith(message) for e in preview.errors
    ), preview.errors
    assert not preview.ok
    # The command refuses with the report; the admin shows it; nothing is written.
    path = tmp_path / "bad.csv"
    path.write_bytes(raw)
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_mappings", str(path), "--commit", stderr=io.StringIO())
    upload = io.BytesIO(raw)
    upload.name = "bad.csv"
    page = as_user(client, people["curator"]).post(
        "/admin/crosswalk/mapping/import/", {"file": upload}
    )
    assert page.status_code == 200 and "Nothing can be imported" in page.content.decode()
    assert not Mapping.objects.exists()


# 6. Finding provisions; titles; one-step roles ------------------------------------------------


def test_autocomplete_offers_the_cited_article_first_with_its_heading(client, people):
    c = as_user(client, people["curator"])
    response = c.get(
        "/admin/autocomplete/",
        {"term": "Article 4", "app_label": "crosswalk", "model_name": "mapping",
         "field_name": "target"},
    )  # fmt: skip
    results = response.json()["results"]
    assert results[0] == {"id": str(provision("eu-ai-act:art_4").pk),
                          "text": "EU AI Act Article 4 (AI literacy)"}  # fmt: skip
    assert [r["text"] for r in results[1:3]] == [
        "Japan AI Promotion Act Article 4 (Responsibilities of the National Government)",
        "Korea AI Framework Act Article 4 (Scope of application)",
    ]
    assert "Recital" not in " ".join(r["text"] for r in results[:10])


def test_mapping_title_reads_as_citations_and_headings(client, people):
    made = draft(people["curator"], source="jp-ai-promotion-act:art_1__para_1", target=EU_ART_4)
    page = as_user(client, people["curator"]).get(f"/admin/crosswalk/mapping/{made.pk}/change/")
    # A paragraph without a heading of its own reads with its article's.
    title = (
        "Japan AI Promotion Act Article 1(1) (Purpose) intersects with "
        "EU AI Act Article 4 (AI literacy)"
    )
    assert f"<title>{title} |" in page.content.decode()
    assert "jp-ai-promotion-act:art_1__para_1 intersects_with" not in page.content.decode()


def test_one_workflow_heading_and_lower_case_labels(client, people):
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    c = as_user(client, people["reviewer"])
    page = c.get(f"/admin/crosswalk/mapping/{made.pk}/change/").content.decode()
    assert [h.strip() for h in re.findall(r"<h2[^>]*>([^<]*)</h2>", page)].count("Workflow") == 1
    assert set(dict(Mapping.Relationship.choices).values()) == {
        "equal", "subset of", "superset of", "intersects with", "not related"
    }  # fmt: skip
    done = c.post(f"/admin/crosswalk/mapping/{made.pk}/workflow/publish/", follow=True)
    assert f"Mapping {made.pk} is now published." in done.content.decode()


def test_side_by_side_shows_the_original_in_its_own_box_with_its_line_breaks(client, people):
    made = draft(people["curator"], source=JP_ART_3)
    page = as_user(client, people["curator"]).get(f"/admin/crosswalk/mapping/{made.pk}/change/")
    html = page.content.decode()
    original = provision(JP_ART_3).text_original
    assert "\n" in original
    box = html.split('class="original text-box"')[1].split("</div>")[0]
    assert original.split("\n")[1] in box and "\n" in box  # breaks kept (white-space: pre-wrap)
    assert "max-height:28em" not in html.replace(" ", "")  # no shared scroll box hiding it


def test_admin_adds_a_curator_in_one_step(client, admin_user):
    c = as_user(client, admin_user)
    assert "?role=curator" in c.get("/admin/auth/user/").content.decode()
    response = c.post(
        "/admin/auth/user/add/",
        {"username": "new-curator", "usable_password": "true", "password1": "Xq7!long-pass",
         "password2": "Xq7!long-pass", "role": "curator"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-curator")
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["curator"]
    client.force_login(user)
    assert client.get("/admin/crosswalk/mapping/add/").status_code == 200
    # An existing account, by the list action.
    other = User.objects.create_user("someone")
    c = as_user(client, admin_user)
    c.post("/admin/auth/user/", {"action": "make_reviewer", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.is_staff and other.groups.filter(name="reviewer").exists()


# 7. Crosswalk and coverage: retired never, drafts by permission and marked ----------------------


def test_crosswalk_and_coverage_never_count_retired_and_mark_drafts(
    people, staff_api, groupless_staff_api, api
):
    live = mapping(JP_ART_1, EU_ART_1)
    services.mapping_retire(
        mapping=mapping(JP_ART_2, EU_ART_2), reviewer=people["reviewer"], comment="Wrong."
    )
    unpublished = mapping(JP_ART_3, EU_ART_3, status="draft")
    pair = {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}

    def edges(client) -> dict[int, str]:
        body = client.get("/api/v1/crosswalk/", pair).json()
        return {m["mapping_id"]: m["status"] for row in body["results"] for m in row["mappings"]}

    assert edges(staff_api) == {live.pk: "published", unpublished.pk: "draft"}
    coverage = staff_api.get("/api/v1/coverage/", pair).json()
    assert coverage["by_status"] == {"draft": 1, "published": 1} and coverage["mappings"] == 2
    for reader in (groupless_staff_api, api):
        assert edges(reader) == {live.pk: "published"}
        body = reader.get("/api/v1/coverage/", pair).json()
        assert body["by_status"] == {"published": 1} and body["mappings"] == 1


def test_drafts_and_suggestions_follow_the_permission_not_staff_status(
    staff_api, groupless_staff_api
):
    unpublished = mapping(JP_ART_1, EU_ART_1, status="draft")
    assert groupless_staff_api.get(f"/api/v1/mappings/{unpublished.pk}/").status_code == 404
    assert staff_api.get(f"/api/v1/mappings/{unpublished.pk}/").status_code == 200
    url = f"/api/v1/provisions/{JP_ART_1}/suggestions/"
    assert groupless_staff_api.get(url, {"target_instrument": "eu-ai-act"}).status_code == 403
    assert staff_api.get(url, {"target_instrument": "eu-ai-act"}).status_code == 200


def test_setup_roles_gives_curators_and_reviewers_the_drafts_permission(people):
    for name in ("curator", "reviewer"):
        assert people[name].has_perm("crosswalk.view_draft_mapping")
    assert not User.objects.create_user("bare", is_staff=True).has_perm(
        "crosswalk.view_draft_mapping"
    )


def test_api_key_last_used_at_is_read_only_in_the_admin(client, admin_user):
    organisation = Organisation.objects.create(name="Agency")
    key, _secret = PartnerAPIKey.objects.create_key(name="k", organisation=organisation)
    c = as_user(client, admin_user)
    url = f"/admin/crosswalk/partnerapikey/{key.pk}/change/"
    page = c.get(url)
    assert 'name="last_used_at' not in page.content.decode()
    data = change_form_data(page)
    data["last_used_at_0"], data["last_used_at_1"] = "2020-01-01", "00:00:00"
    assert c.post(url, data).status_code == 302
    key.refresh_from_db()
    assert key.last_used_at is None


# 8. One definition of "mapped" -----------------------------------------------------------------


def test_not_related_is_a_reviewed_answer_not_coverage_everywhere(client, people, api):
    mapping(JP_ART_2, "eu-ai-act:art_99", "not_related")
    art_2 = provision(JP_ART_2)
    body = api.get("/api/v1/coverage/", {"source": "jp-ai-promotion-act", "target": "eu-ai-act"})
    assert JP_ART_2 in {p["public_id"] for p in body.json()["source"]["unmapped"]}
    c = as_user(client, people["reviewer"])
    heatmap = c.get("/admin/crosswalk/mapping/coverage/").content.decode()
    assert "Japan AI Promotion Act × EU AI Act: 1 published mappings, 0%" in heatmap
    gaps = heatmap.split("<strong>Japan AI Promotion Act</strong>")[1].split("</details>")[0]
    assert f"<li>{art_2.citation} —" in gaps
    listed = c.get(
        "/admin/crosswalk/provision/",
        {"instrument__id__exact": art_2.instrument_id, "mapped": "no", "q": art_2.citation},
    )
    assert art_2 in listed.context["cl"].result_list
    mapped = c.get(
        "/admin/crosswalk/provision/",
        {"instrument__id__exact": art_2.instrument_id, "mapped": "yes"},
    )
    assert art_2 not in mapped.context["cl"].result_list


# 9. Confirming needs four eyes; the history CSV is guarded ------------------------------------


def test_confirming_texts_needs_someone_other_than_the_author(client, people):
    reviewer = people["reviewer"]
    reviewer.groups.add(Group.objects.get(name="curator"))
    made = services.mapping_submit(mapping=draft(reviewer), user=reviewer)
    made = services.mapping_publish(mapping=made, reviewer=people["reviewer2"])
    Mapping.objects.filter(pk=made.pk).update(text_changed=True)  # a text changed since review
    made.refresh_from_db()
    with pytest.raises(ValidationError, match="someone else must confirm"):
        services.mapping_confirm_texts(mapping=made, reviewer=reviewer)
    response = as_user(client, reviewer).post(
        f"/admin/crosswalk/mapping/{made.pk}/workflow/confirm/", follow=True
    )
    assert "someone else must confirm" in response.content.decode()
    assert Mapping.objects.get(pk=made.pk).text_changed
    assert not services.mapping_confirm_texts(
        mapping=made, reviewer=people["reviewer2"]
    ).text_changed


def test_history_csv_guards_cells_a_spreadsheet_would_run(client, people, admin_user):
    made = draft(people["curator"], rationale='=HYPERLINK("http://evil.example","click")')
    services.mapping_update(mapping=made, editor=people["curator"], version=1, rationale="@SUM(1)")
    exported = as_user(client, admin_user).get("/admin/crosswalk/mapping/history.csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    change = next(r for r in rows if r["object_id"] == str(made.pk) and r["field"] == "rationale")
    assert change["before"] == '\'=HYPERLINK("http://evil.example","click")'
    assert change["after"] == "'@SUM(1)"
    cells = [cell for row in rows for cell in row.values()]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells if cell)


# Property: whatever the file, a report and never a traceback; nothing written unless it is ok ----

COLUMNS = ["source_public_id", "target_public_id", "source", "target", "relationship",
           "strength", "rationale_type", "rationale", "status", "rationale_typ", ""]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(
        [
            JP_ART_1,
            JP_ART_2,
            EU_ART_1,
            EU_ART_2,
            "equal",
            "superset_of",
            "subset_of",
            "not_related",
            "5",
            "11",
            "semantic",
            "retired",
            "",
            "'=1+1",
            "=1+1",
            "\x00",
            '"',
            ",",
            "\n",
            "\r\n",
            "y" * (MAX_CELL + 1),
        ]
    ),  # fmt: skip
    st.text(max_size=20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    header=st.one_of(
        st.just(HEADER.strip().split(",")), st.lists(st.sampled_from(COLUMNS), max_size=8)
    ),
    rows=st.lists(st.lists(CELLS, max_size=9), max_size=6),
    raw_join=st.booleans(),
)
def test_any_file_gets_a_report_and_writes_nothing_unless_it_is_ok(db, header, rows, raw_join):
    if raw_join:  # no quoting at all: broken records
        text = "\n".join(",".join(cells) for cells in [header, *rows])
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        text = buffer.getvalue()
    before = list(Mapping.objects.values_list("pk", "version"))
    preview = mappings_csv_parse(text.encode("utf-8", errors="surrogatepass"))
    if not preview.ok:
        assert preview.errors or not (preview.rows or preview.unchanged or preview.retired)
        with pytest.raises(ValidationError):
            mappings_csv_commit(preview, author=None)
        assert list(Mapping.objects.values_list("pk", "version")) == before
        return
    with transaction.atomic():
        written = mappings_csv_commit(preview, author=None)
        assert len(written) == len(preview.rows)
        transaction.set_rollback(True)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.binary(max_size=300))
def test_any_bytes_get_a_report(db, content):
    preview = mappings_csv_parse(HEADER.encode() + content)
    assert preview.ok or preview.errors
    assert not Mapping.objects.exists()
