"""Issue 10/11 corpus mechanics: corrections through the loader, the text-change service in the
admin, typed references between provisions, footnotes and instrument versions in the API."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crosswalk import services
from crosswalk.models import Mapping, Provision, ProvisionText

FIXTURES = Path(settings.CORPUS_FIXTURES_DIR)
ART_51_2 = "eu-ai-act:art_51__para_2"
User = get_user_model()


def load(directory: Path) -> str:
    out = io.StringIO()
    call_command("load_corpus", "--fixtures", str(directory), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def published(source: str, target: str) -> Mapping:
    author, _ = User.objects.get_or_create(username="author")
    reviewer, _ = User.objects.get_or_create(username="reviewer")
    mapping = services.mapping_create(
        source=Provision.objects.get(public_id=source),
        target=Provision.objects.get(public_id=target),
        relationship="intersects_with",
        rationale="Both set a compute threshold for models with systemic capabilities.",
        rationale_type="semantic",
        author=author,
    )
    mapping = services.mapping_submit(mapping=mapping, user=author)
    return services.mapping_publish(mapping=mapping, reviewer=reviewer)


def test_article_51_2_correction_keeps_dates_records_reason_and_flags_mappings(db, tmp_path):
    """The loader itself, run twice: once with the text as the source had it ("1025"), then
    with the corrected fixture ("10²⁵")."""
    old = tmp_path / "old"
    shutil.copytree(FIXTURES, old)
    doc = json.loads((old / "eu-ai-act.json").read_text(encoding="utf-8"))
    for p in doc["provisions"]:
        if p["citation"] in ("Article 51", "Article 51(2)"):
            for t in p["texts"]:
                t["text"] = t["text"].replace("10²⁵", "1025")
            p["extra"].pop("corrections")
    (old / "eu-ai-act.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    load(old)
    article = Provision.objects.get(public_id="eu-ai-act:art_51")
    assert "greater than 1025" in Provision.objects.get(public_id=ART_51_2).text
    dates_before = list(article.texts.values_list("id", "valid_from", "valid_until"))
    # The consolidation of 2026-07-27 left Article 51 as it was: one dated text from 2024-08-01.
    assert [d[1].isoformat() for d in dates_before] == ["2024-08-01"]
    on_paragraph = published("us-eo-14409:sec_1", ART_51_2)
    on_article = published("us-eo-14179:sec_1", "eu-ai-act:art_51")
    untouched = published("us-eo-14179:sec_2", "eu-ai-act:art_52")

    output = load(FIXTURES)

    assert "Article 51(2) updated" in output
    paragraph = Provision.objects.get(public_id=ART_51_2)
    assert paragraph.text.endswith("greater than 10²⁵.")
    # A correction of the record: same dated texts (same rows, same dates), new words.
    assert list(article.texts.values_list("id", "valid_from", "valid_until")) == dates_before
    assert all("10²⁵" in t.text for t in article.texts.all())
    record = ProvisionText.history.filter(provision_id=paragraph.pk).latest("history_id")
    assert record.history_type == "~"
    assert "Correction of the record" in record.history_change_reason
    for mapping in (on_paragraph, on_article):
        mapping.refresh_from_db()
        assert mapping.text_changed
        assert "Correction of the record" in mapping.history.latest().history_change_reason
    untouched.refresh_from_db()
    assert not untouched.text_changed
    assert "Nothing to write" in load(FIXTURES)


def test_admin_text_edit_goes_through_the_text_change_service(client, db):
    admin = User.objects.create_superuser("editor", password="pw-1234567")
    client.force_login(admin)
    mapping = published("jp-ai-promotion-act:art_3", "eu-ai-act:art_1")
    provision = Provision.objects.get(public_id="eu-ai-act:art_1")
    url = f"/admin/crosswalk/provision/{provision.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    texts = provision.texts.order_by("valid_from")
    last = texts.count() - 1
    data[f"texts-{last}-text"] = "First line.\r\nSecond line."
    response = client.post(url, data)
    assert response.status_code == 302, [
        (f.prefix, f.errors)
        for i in response.context["inline_admin_formsets"]
        for f in i.formset.forms
        if f.errors
    ] + [response.context["adminform"].form.errors]
    provision.refresh_from_db()
    assert provision.text == "First line.\nSecond line."  # the copy follows, LF only
    mapping.refresh_from_db()
    assert mapping.text_changed
    history = client.get("/admin/crosswalk/provision/history.csv").content.decode()
    line = next(
        row
        for row in history.splitlines()
        if row.startswith(f"{provision.pk},") and ",text," in row
    )
    assert "admin: edited by editor" in line


def form_data(page) -> dict[str, str]:
    """The admin change form as the browser would post it back, unchanged."""
    data: dict[str, str] = {}
    adminform = page.context["adminform"].form
    for name, field in adminform.fields.items():
        value = adminform.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(field, forms.JSONField):
            data[name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, dict | list):
            data[name] = json.dumps(value)
        else:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if value is None:
                    continue
                if hasattr(value, "pk"):
                    value = value.pk
                elif isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)
                data[f"{form.prefix}-{name}"] = value
    return data


def test_revocation_is_a_typed_reference_served_and_filterable(api):
    body = api.get("/api/v1/provisions/us-eo-14148:sec_2__para_ggg/").json()
    targets = {r["target"] for r in body["references"] if r["type"] == "revokes"}
    assert len(targets) == 13
    assert "us-eo-14110:sec_4" in targets
    assert body["references"][0]["valid_from"] == "2025-01-20"
    revoked = api.get("/api/v1/provisions/us-eo-14110:sec_4/").json()
    assert [r["source"] for r in revoked["referenced_by"]] == ["us-eo-14148:sec_2__para_ggg"]
    found = api.get("/api/v1/provisions/", {"revokes": "us-eo-14110:sec_4"}).json()
    assert [row["public_id"] for row in found["results"]] == ["us-eo-14148:sec_2__para_ggg"]
    assert found["results"][0]["references"] is None  # lists: only with include=references
    bad = api.get("/api/v1/provisions/", {"implements": "kr-ai-framework-act:nope"})
    assert bad.status_code == 400
    assert "implements" in bad.json()["error"]["fields"]


def test_eu_footnotes_are_served(api):
    recital = api.get("/api/v1/provisions/eu-ai-act:rec_8/").json()
    assert [n["number"] for n in recital["footnotes"]] == ["5", "6"]
    assert recital["footnotes"][0]["text"].startswith("European Council, Special meeting")
    article = api.get("/api/v1/provisions/eu-ai-act:art_102/", {"include": "texts"}).json()
    assert article["footnotes"] == [{"number": "*", "text": None}]  # the source has no text
    assert article["texts"][0]["footnotes"] == article["footnotes"]
    with_notes = sum(
        1
        for t in ProvisionText.objects.filter(provision__instrument__slug="eu-ai-act")
        if t.footnotes
    )
    assert with_notes == 39


@pytest.mark.parametrize(
    ("slug", "periods"),
    [
        ("eu-ai-act", []),
        (
            "jp-ai-guidelines-for-business",
            [("2025-04-04", "2026-03-30"), ("2026-03-31", None)],
        ),
        (
            "kr-ai-framework-act-decree",
            [("2026-01-22", "2026-07-20"), ("2026-07-21", "2026-08-19"), ("2026-08-20", None)],
        ),
    ],
)
def test_instrument_versions_field_is_served(api, slug, periods):
    body = api.get(f"/api/v1/instruments/{slug}/").json()
    assert isinstance(body["versions"], list)
    assert [(v["valid_from"], v["valid_until"]) for v in body["versions"]] == periods
    assert all(v["label"] and v["source_file"] for v in body["versions"])


def test_search_in_japanese_and_korean_ranks_the_provision_about_the_term(api):
    japanese = api.get("/api/v1/provisions/", {"q": "透明性", "page_size": 5}).json()
    top = [row["public_id"] for row in japanese["results"]]
    assert "jp-ai-guidelines-for-business:part_2__sec_c__principle_6" in top
    korean = api.get("/api/v1/provisions/", {"q": "고영향", "page_size": 5}).json()
    top = [row["public_id"] for row in korean["results"]]
    assert sum(public_id.startswith("kr-ai-framework-act-decree:art_") for public_id in top) >= 2
    assert all(row["heading_original"].find("고영향") >= 0 for row in korean["results"][:3])


def test_no_english_is_null_with_a_note_not_an_empty_string(api):
    body = api.get("/api/v1/provisions/kr-ai-framework-act-decree:art_2/").json()
    assert body["text"] is None
    assert body["text_original"]
    assert "English" in body["translation_note"]


def test_provision_detail_names_its_topics_and_lists_on_request(api):
    detail = api.get("/api/v1/provisions/eu-ai-act:art_50/").json()
    assert detail["topics"] and all(isinstance(slug, str) for slug in detail["topics"])
    assert detail["procedural"] is False
    listed = api.get("/api/v1/provisions/", {"instrument": "eu-ai-act", "citation": "Article 50"})
    assert listed.json()["results"][0]["topics"] is None
    included = api.get(
        "/api/v1/provisions/",
        {"instrument": "eu-ai-act", "citation": "Article 50", "include": "topics"},
    ).json()
    assert included["results"][0]["topics"] == detail["topics"]


def test_admin_refuses_malformed_footnotes_and_writes_nothing(client, db):
    client.force_login(User.objects.create_superuser("notes-editor", password="pw-1234567"))
    provision = Provision.objects.get(public_id="eu-ai-act:rec_8")
    url = f"/admin/crosswalk/provision/{provision.pk}/change/"
    data = form_data(client.get(url))
    before = list(provision.texts.values_list("footnotes", flat=True))
    for bad in ('{"number": "5"}', '[{"mark": "(5)"}]', '[{"number": "", "text": "x"}]'):
        data["texts-0-footnotes"] = bad
        response = client.post(url, data)
        assert response.status_code == 200  # the form again, with its error
        texts = next(
            i.formset for i in response.context["inline_admin_formsets"]
            if i.formset.prefix == "texts"
        )  # fmt: skip
        assert "footnotes" in texts.forms[0].errors
    assert list(provision.texts.values_list("footnotes", flat=True)) == before
    served = client.get("/api/v1/provisions/eu-ai-act:rec_8/")
    assert served.status_code == 200
