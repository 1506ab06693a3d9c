"""Curation: the workflow services, roles through the admin, history, suggestions, CSV import,
the coverage page and the seed curation."""

from __future__ import annotations

import csv
import io
import re
import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from crosswalk import services
from crosswalk.importers.mapping_csv import mappings_csv_commit, mappings_csv_parse
from crosswalk.models import Mapping, Provision
from tests.factories import mapping

User = get_user_model()
JP_ART_1 = "jp-ai-promotion-act:art_1"
EU_ART_1 = "eu-ai-act:art_1"
SEED_FOLDER = Path(settings.BASE_DIR) / "fixtures" / "mappings"


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


def draft(author, source=JP_ART_1, target=EU_ART_1, **fields) -> Mapping:
    values = {"relationship": "intersects_with", "strength": 5, "rationale_type": "semantic",
              "rationale": "Both state the purpose of the act."}  # fmt: skip
    values.update(fields)
    return services.mapping_create(
        source=provision(source), target=provision(target), author=author, **values
    )


# Workflow services ---------------------------------------------------------------------------


def test_draft_review_publish_retire(people):
    made = draft(people["curator"])
    assert made.status == "draft" and made.version == 1
    made = services.mapping_submit(mapping=made, user=people["curator"])
    assert made.status == "in_review"
    made = services.mapping_publish(mapping=made, reviewer=people["reviewer"])
    assert made.status == "published" and made.published_at and made.reviewer == people["reviewer"]
    assert made.source_text == provision(JP_ART_1).texts.get()
    made = services.mapping_retire(mapping=made, reviewer=people["reviewer"], comment="Superseded.")
    assert made.status == "retired"
    assert Mapping.objects.filter(pk=made.pk).exists()  # retiring keeps the row


def test_return_to_draft_needs_a_comment(people):
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    with pytest.raises(ValidationError, match="Say what needs to change"):
        services.mapping_return(mapping=made, reviewer=people["reviewer"], comment=" ")
    made = services.mapping_return(mapping=made, reviewer=people["reviewer"], comment="Too broad.")
    assert made.status == "draft" and made.review_comment == "Too broad."


def test_rationale_required_before_review(people):
    made = draft(people["curator"], rationale="", rationale_type="")
    with pytest.raises(ValidationError) as error:
        services.mapping_submit(mapping=made, user=people["curator"])
    assert set(error.value.message_dict) == {"rationale", "rationale_type"}


def test_four_eyes_author_and_last_editor_cannot_publish(people):
    made = draft(people["curator"])
    made = services.mapping_update(
        mapping=made, editor=people["reviewer"], version=made.version, strength=6
    )
    made = services.mapping_submit(mapping=made, user=people["curator"])
    for user in (people["curator"], people["reviewer"]):
        with pytest.raises(ValidationError, match="someone else must publish"):
            services.mapping_publish(mapping=made, reviewer=user)
    assert (
        services.mapping_publish(mapping=made, reviewer=people["reviewer2"]).status == "published"
    )


def test_stale_version_is_refused(people):
    made = draft(people["curator"])
    services.mapping_update(mapping=made, editor=people["curator"], version=1, strength=7)
    with pytest.raises(ValidationError, match="changed by someone else"):
        services.mapping_update(mapping=made, editor=people["curator2"], version=1, strength=2)
    assert Mapping.objects.get(pk=made.pk).strength == 7


def test_text_change_flags_published_mapping_until_confirmed(people, api):
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    made = services.mapping_publish(mapping=made, reviewer=people["reviewer"])
    assert not made.text_changed
    # What load_corpus and the admin do when a text changes: the text-change service.
    latest = provision(EU_ART_1).texts.order_by("valid_from").last()
    services.provision_text_change(
        dated_text=latest, values={"text": latest.text + " (amended)"}, by=None, reason="test"
    )
    made.refresh_from_db()
    assert made.text_changed
    assert api.get(f"/api/v1/mappings/{made.pk}/").json()["text_changed"] is True
    with pytest.raises(ValidationError):
        services.mapping_confirm_texts(mapping=draft(people["curator"], target="eu-ai-act:art_2"),
                                       reviewer=people["reviewer"])  # fmt: skip
    made = services.mapping_confirm_texts(mapping=made, reviewer=people["reviewer"])
    assert not made.text_changed


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_publishing_at_once_give_one_publish_and_one_error():
    if not Provision.objects.filter(public_id=JP_ART_1).exists():
        call_command("load_corpus", stdout=io.StringIO())  # transactional tests run last
    author = User.objects.create_user("race-author")
    first, second = User.objects.create_user("race-r1"), User.objects.create_user("race-r2")
    made = draft(author)
    made = services.mapping_submit(mapping=made, user=author)
    locked = threading.Event()
    results: dict[str, object] = {}

    def slow_reviewer() -> None:
        try:
            with transaction.atomic():
                results["first"] = services.mapping_publish(mapping=made, reviewer=first)
                locked.set()
                threading.Event().wait(0.5)  # hold the row lock while the other one arrives
        finally:
            locked.set()
            connection.close()

    def fast_reviewer() -> None:
        locked.wait(5)
        try:
            results["second"] = services.mapping_publish(mapping=made, reviewer=second)
        except ValidationError as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_reviewer), threading.Thread(target=fast_reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert isinstance(results["first"], Mapping)
    assert isinstance(results["second"], ValidationError)
    assert "Cannot publish a mapping that is published" in " ".join(results["second"].messages)
    final = Mapping.objects.get(pk=made.pk)
    assert final.status == "published" and final.reviewer == first
    assert final.history.filter(status="published").count() == 1
    Mapping.objects.all().delete()


# Roles through the admin ---------------------------------------------------------------------


def admin_client(client, user):
    client.force_login(user)
    return client


def test_setup_roles_is_idempotent(db):
    call_command("setup_roles", stdout=io.StringIO())
    first = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    out = io.StringIO()
    call_command("setup_roles", stdout=out)
    assert "unchanged" in out.getvalue()
    again = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert first == again
    assert "publish_mapping" not in first["curator"] and "submit_mapping" in first["curator"]
    assert not any(p.startswith("delete_") for perms in first.values() for p in perms)


def test_curator_drafts_and_submits_through_the_admin_but_cannot_publish(client, people):
    c = admin_client(client, people["curator"])
    source, target = provision(JP_ART_1), provision(EU_ART_1)
    response = c.post(
        "/admin/crosswalk/mapping/add/",
        {"source": source.pk, "target": target.pk, "relationship": "intersects_with",
         "strength": 4, "rationale_type": "semantic", "rationale": "Purpose clauses overlap."},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    made = Mapping.objects.get(source=source, target=target)
    assert made.author == people["curator"] and made.provenance == "curated"
    page = c.get(f"/admin/crosswalk/mapping/{made.pk}/change/").content.decode()
    assert "Save and submit for review" in page and ">Publish<" not in page
    assert "same content" in page  # the relationship's meaning beside the choice
    c.post(f"/admin/crosswalk/mapping/{made.pk}/workflow/submit/")
    assert Mapping.objects.get(pk=made.pk).status == "in_review"
    assert c.post(f"/admin/crosswalk/mapping/{made.pk}/workflow/publish/").status_code == 403
    assert c.post(f"/admin/crosswalk/mapping/{made.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Mapping.objects.get(pk=made.pk).status == "in_review"


def test_reviewer_publishes_returns_retires_but_cannot_add_or_delete(client, people):
    c = admin_client(client, people["reviewer"])
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    page = c.get(f"/admin/crosswalk/mapping/{made.pk}/change/").content.decode()
    assert ">Publish<" in page and "Return to draft" in page
    c.post(f"/admin/crosswalk/mapping/{made.pk}/workflow/publish/")
    made.refresh_from_db()
    assert made.status == "published" and made.reviewer == people["reviewer"]
    c.post(f"/admin/crosswalk/mapping/{made.pk}/workflow/retire/", {"comment": "Replaced."})
    assert Mapping.objects.get(pk=made.pk).status == "retired"
    assert c.get("/admin/crosswalk/mapping/add/").status_code == 403
    assert c.post(f"/admin/crosswalk/mapping/{made.pk}/delete/", {"post": "yes"}).status_code == 403


def test_reviewer_cannot_publish_own_draft_through_the_admin(client, people):
    reviewer = people["reviewer"]
    reviewer.groups.add(Group.objects.get(name="curator"))
    made = services.mapping_submit(mapping=draft(reviewer), user=reviewer)
    c = admin_client(client, reviewer)
    response = c.post(f"/admin/crosswalk/mapping/{made.pk}/workflow/publish/", follow=True)
    assert "someone else must publish" in response.content.decode()
    assert Mapping.objects.get(pk=made.pk).status == "in_review"


def test_stale_edit_in_the_admin_is_refused_with_a_message(client, people):
    made = draft(people["curator"])
    services.mapping_update(mapping=made, editor=people["curator2"], version=1, strength=9)
    c = admin_client(client, people["curator"])
    response = c.post(
        f"/admin/crosswalk/mapping/{made.pk}/change/",
        {"source": made.source_id, "target": made.target_id, "relationship": "equal",
         "strength": 2, "rationale_type": "semantic", "rationale": "x", "version": 1},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Someone changed this mapping since you opened it" in response.content.decode()
    assert Mapping.objects.get(pk=made.pk).strength == 9


def test_nobody_deletes_a_published_mapping(client, people, admin_user):
    made = services.mapping_submit(mapping=draft(people["curator"]), user=people["curator"])
    made = services.mapping_publish(mapping=made, reviewer=people["reviewer"])
    c = admin_client(client, admin_user)
    assert c.post(f"/admin/crosswalk/mapping/{made.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Mapping.objects.filter(pk=made.pk).exists()


# History ---------------------------------------------------------------------------------------


def test_history_visible_and_exportable(client, people, admin_user):
    made = draft(people["curator"])
    services.mapping_update(mapping=made, editor=people["curator"], version=1, strength=8)
    c = admin_client(client, admin_user)
    page = c.get(f"/admin/crosswalk/mapping/{made.pk}/history/").content.decode()
    assert "curator" in page
    exported = c.get("/admin/crosswalk/mapping/history.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    change = next(r for r in rows if r["object_id"] == str(made.pk) and r["field"] == "strength")
    assert (change["before"], change["after"], change["changed_by"]) == ("5", "8", "curator")
    provision_history = c.get(f"/admin/crosswalk/provision/{provision(JP_ART_1).pk}/history/")
    assert provision_history.status_code == 200
    exported = c.get("/admin/crosswalk/provision/history.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    first = next(r for r in rows if r["object_id"] == str(provision(JP_ART_1).pk))
    assert first["change"] == "created"
    assert first["reason"] == "load_corpus: jp-ai-promotion-act.json"


# Suggestions -----------------------------------------------------------------------------------


def test_provision_page_lists_mappings_and_suggestions_one_click_from_a_draft(client, people):
    mapping("eu-ai-act:art_4", "jp-ai-promotion-act:art_15", "superset_of")
    c = admin_client(client, people["curator"])
    art_15 = provision("jp-ai-promotion-act:art_15")
    page = c.get(
        f"/admin/crosswalk/provision/{art_15.pk}/change/?suggest_in=eu-ai-act"
    ).content.decode()
    assert "incoming (shown inverted)" in page and "subset_of" in page
    assert page.count("Draft mapping") == 10
    link = (
        page.split('class="button draft-from-suggestion" href="')[1]
        .split('"')[0]
        .replace("&amp;", "&")
    )
    form = c.get(link).content.decode()
    assert f'value="{art_15.pk}"' in form  # the source is prefilled
    target_id = int(link.split("target=")[1].split("&")[0])
    c.post(
        link,
        {"source": art_15.pk, "target": target_id, "relationship": "intersects_with",
         "strength": 3, "rationale_type": "semantic", "rationale": "Both promote literacy.",
         "from_suggestion": "True"},
    )  # fmt: skip
    assert Mapping.objects.get(source=art_15, target_id=target_id).provenance == "suggestion"


def test_suggestions_api_for_staff(staff_api, api):
    url = f"/api/v1/provisions/{JP_ART_1}/suggestions/"
    body = staff_api.get(url, {"target_instrument": "eu-ai-act", "limit": 5}).json()
    assert [row["rank"] for row in body] == [1, 2, 3, 4, 5]
    assert {"rank", "score", "public_id", "citation", "heading", "also"} <= set(body[0])
    assert body[0]["score"] >= body[-1]["score"]
    assert all(row["public_id"].startswith("eu-ai-act:") for row in body)
    assert api.get(url, {"target_instrument": "eu-ai-act"}).status_code == 403
    bad = staff_api.get(url, {"target_instrument": "eu-ai-act", "limit": 0})
    assert bad.status_code == 400 and "limit" in bad.json()["error"]["fields"]


# CSV import ------------------------------------------------------------------------------------


HEADER = "source_public_id,target_public_id,relationship,strength,rationale_type,rationale\n"


def test_import_dry_run_reports_every_bad_row(db):
    mapping(JP_ART_1, "eu-ai-act:art_2")
    content = HEADER + "\n".join(
        [
            f"{JP_ART_1},eu-ai-act:art_999,equal,5,semantic,unknown target",
            f"{JP_ART_1},{EU_ART_1},same,5,semantic,bad relationship",
            f"{JP_ART_1},{EU_ART_1},equal,11,semantic,strength out of range",
            f"{JP_ART_1},{JP_ART_1},equal,5,semantic,self",
            f"{JP_ART_1},jp-ai-promotion-act:art_2,equal,5,semantic,same instrument",
            f"{JP_ART_1},eu-ai-act:art_2,equal,5,semantic,changes a published one",
            f"{JP_ART_1},eu-ai-act:art_3,equal,five,semantic,strength not a number",
            f"{JP_ART_1},eu-ai-act:art_4,equal,5,semantic,fine",
            f"{JP_ART_1},eu-ai-act:art_4,equal,5,semantic,duplicate in file",
        ]
    )
    preview = mappings_csv_parse(content)
    found = {(e.line, e.field) for e in preview.errors}
    assert found == {
        (2, "target"), (3, "relationship"), (4, "strength"), (5, "target"), (6, "target"),
        (8, "strength"), (10, "target"),
    }  # fmt: skip
    # Line 7 changes the published mapping: it would become a draft revising it.
    assert [(row.line, row.action) for row in preview.rows] == [(7, "new"), (9, "new")]
    assert preview.rows[0].existing is not None
    with pytest.raises(ValidationError):
        mappings_csv_commit(preview, author=None)
    assert Mapping.objects.count() == 1


def test_import_by_instrument_and_citation_commits_all_as_imported_drafts(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "source_instrument,source_citation,target_instrument,target_citation,relationship\n"
        "jp-ai-promotion-act,Article 1,eu-ai-act,Article 1,intersects_with\n"
        "kr-ai-framework-act,Article 2,eu-ai-act,Article 3,intersects_with\n"
    )
    out = io.StringIO()
    call_command("import_mappings", str(path), stdout=out)
    assert "Dry run: 2 row(s) valid" in out.getvalue() and not Mapping.objects.exists()
    call_command("import_mappings", str(path), "--commit", stdout=out)
    assert set(Mapping.objects.values_list("status", "provenance")) == {("draft", "imported")}
    assert Mapping.objects.count() == 2
    path.write_text("source,target,relationship\nnope,eu-ai-act:art_1,equal\n")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_mappings", str(path), "--commit", stderr=io.StringIO())


def test_admin_import_preview_then_commit(client, people):
    c = admin_client(client, people["curator"])
    upload = io.BytesIO((HEADER + f"{JP_ART_1},{EU_ART_1},equal,3,semantic,x\n").encode())
    upload.name = "m.csv"
    page = c.post("/admin/crosswalk/mapping/import/", {"file": upload}).content.decode()
    assert "1 valid row(s), 0 error(s)" in page and not Mapping.objects.exists()
    upload_id = re.search(r'name="upload" value="(\d+)"', page).group(1)
    response = c.post("/admin/crosswalk/mapping/import/", {"upload": upload_id, "commit": "1"})
    assert response.status_code == 302
    assert Mapping.objects.get().author == people["curator"]


def test_export_then_import_round_trips(api, people):
    for target, rationale in [
        (EU_ART_1, "=formula-looking"),
        ("eu-ai-act:art_2", 'a "quoted", text\nnew'),
    ]:
        mapping(JP_ART_1, target, "subset_of", strength=6, rationale=rationale)
    exported = b"".join(api.get("/api/v1/exports/mappings.csv").streaming_content)
    fields = ("source_id", "target_id", "relationship", "strength", "rationale_type", "rationale")
    before = sorted(Mapping.objects.values_list(*fields))
    for made in Mapping.objects.all():
        services.mapping_retire(mapping=made, reviewer=people["reviewer"])
    preview = mappings_csv_parse(exported)
    assert preview.ok, preview.errors
    mappings_csv_commit(preview, author=people["curator"])
    after = sorted(Mapping.objects.filter(status="draft").values_list(*fields))
    assert after == before


# Coverage and seed ----------------------------------------------------------------------------


def test_coverage_heatmap_page(client, people):
    mapping(JP_ART_1, EU_ART_1)
    mapping("jp-ai-promotion-act:art_2", "eu-ai-act:art_3")
    c = admin_client(client, people["reviewer"])
    page = c.get("/admin/crosswalk/mapping/coverage/").content.decode()
    assert 'id="coverage-heatmap"' in page
    assert "pair=jp-ai-promotion-act%2Ceu-ai-act" in page
    assert "Japan AI Promotion Act × EU AI Act: 2 published mappings, 2%" in page
    assert "Provisions that map to nothing" in page
    listed = c.get(
        "/admin/crosswalk/mapping/?pair=jp-ai-promotion-act,eu-ai-act&status__exact=published"
    )
    assert listed.status_code == 200 and "2 mappings" in listed.content.decode()


def test_seed_curation_loads_once_as_published(db):
    out = io.StringIO()
    call_command("load_seed_mappings", stdout=out)
    seeds = Mapping.objects.filter(provenance="seed")
    assert seeds.count() >= 200
    assert set(seeds.values_list("status", flat=True)) == {"published"}
    assert not seeds.filter(rationale="").exists() and not seeds.filter(rationale_type="").exists()
    pairs = {(m.source.instrument.slug, m.target.instrument.slug) for m in seeds.select_related(
        "source__instrument", "target__instrument")}  # fmt: skip
    for pair in [
        ("jp-ai-promotion-act", "eu-ai-act"), ("kr-ai-framework-act", "eu-ai-act"),
        ("g7-hiroshima-guiding-principles", "g7-hiroshima-code-of-conduct"),
        ("jp-ai-guidelines-for-business", "oecd-ai-recommendation"),
        ("jp-ai-guidelines-for-business", "g7-hiroshima-code-of-conduct"),
        ("us-nist-ai-rmf", "jp-ai-guidelines-for-business"), ("us-nist-ai-rmf", "eu-ai-act"),
        ("eu-ai-act", "g7-hiroshima-code-of-conduct"),
        ("us-eo-14110", "g7-hiroshima-code-of-conduct"),
    ]:  # fmt: skip
        assert pair in pairs, pair
    independent = Mapping.history.filter(
        history_type="+", history_change_reason="method: independent-reading"
    )
    eval_rows = sum(len(rows) for name, rows in seed_rows().items() if name.startswith("eval-"))
    independent_rows = sum(
        1
        for rows in seed_rows().values()
        for row in rows
        if row.get("method") == "independent-reading"
    )
    assert independent.count() == independent_rows >= eval_rows >= 150
    assert set(seeds.filter(pk__in=independent.values("id")).values_list("status", flat=True)) == {
        "published"
    }
    call_command("load_seed_mappings", stdout=out)
    assert "already loaded" in out.getvalue()
    assert Mapping.objects.filter(provenance="seed").count() == seeds.count()


# Seed files: the suggestions benchmark's evaluation set ---------------------------------------


def seed_rows() -> dict[str, list[dict[str, str]]]:
    return {
        path.name: list(csv.DictReader(path.open(encoding="utf-8")))
        for path in sorted(SEED_FOLDER.glob("*.csv"))
    }


def test_eval_files_are_all_written_without_suggestions():
    files = {name: rows for name, rows in seed_rows().items() if name.startswith("eval-")}
    assert sum(len(rows) for rows in files.values()) >= 150
    for name, rows in files.items():
        assert {row["method"] for row in rows} == {"independent-reading"}, name


def test_no_provision_pair_repeats_across_mapping_files():
    seen: dict[frozenset[str], str] = {}
    for name, rows in seed_rows().items():
        for line, row in enumerate(rows, start=2):
            pair = frozenset((row["source"], row["target"]))  # either direction counts
            assert pair not in seen, f"{name} line {line} repeats {seen[pair]}"
            seen[pair] = f"{name} line {line}"


def test_no_rationale_repeats_across_mapping_files():
    rationales = [row["rationale"] for rows in seed_rows().values() for row in rows]
    assert len(rationales) == len(set(rationales))


def test_method_column_is_checked_and_kept_in_history(db):
    rows = [
        f"{JP_ART_1},{EU_ART_1},equal,5,semantic,read both,independent-reading",
        f"{JP_ART_1},eu-ai-act:art_2,equal,5,semantic,typo,independent",
        f"{JP_ART_1},eu-ai-act:art_3,equal,5,semantic,not recorded,",
    ]
    content = HEADER.replace("rationale\n", "rationale,method\n") + "\n".join(rows)
    preview = mappings_csv_parse(content)
    assert [(e.line, e.field) for e in preview.errors] == [(3, "method")]
    preview.errors.clear()
    made = mappings_csv_commit(preview, author=None)
    reasons = [m.history.earliest().history_change_reason for m in made]
    assert reasons == ["method: independent-reading", None]


def test_seed_loader_loads_new_files_and_skips_loaded_ones(db, tmp_path):
    for name in ("eval-jp-act-g7.csv", "eval-kr-act-nist.csv"):
        shutil.copy(SEED_FOLDER / name, tmp_path / name)
    (tmp_path / "eval-kr-act-nist.csv").rename(tmp_path / "later.csv")
    out = io.StringIO()
    call_command("load_seed_mappings", "--folder", str(tmp_path), stdout=out)
    first = Mapping.objects.filter(provenance="seed").count()
    assert "eval-jp-act-g7.csv: 6 published (method: 6 independent-reading)" in out.getvalue()
    assert "later.csv: 12 published" in out.getvalue() and first == 18
    # A file added after the first load is published; loaded files are left alone.
    shutil.copy(SEED_FOLDER / "eval-kr-act-oecd.csv", tmp_path / "new.csv")
    call_command("load_seed_mappings", "--folder", str(tmp_path), stdout=out)
    assert "eval-jp-act-g7.csv: already loaded (6 mappings)" in out.getvalue()
    assert Mapping.objects.filter(provenance="seed", status="published").count() == first + 21
    # A loaded file that gained a row is skipped with a warning, not half-loaded.
    with (tmp_path / "later.csv").open("a", encoding="utf-8") as grown:
        grown.write(f"{JP_ART_1},{EU_ART_1},equal,5,semantic,added later,independent-reading\n")
    err = io.StringIO()
    call_command("load_seed_mappings", "--folder", str(tmp_path), stdout=out, stderr=err)
    assert "later.csv: skipped, 12 of its 13 rows are loaded already" in err.getvalue()
    assert Mapping.objects.filter(provenance="seed").count() == first + 21
