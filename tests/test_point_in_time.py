"""In force and applicable on a day, with that day's text: the cases the corpus must answer."""

from __future__ import annotations

import datetime

import pytest

from crosswalk.models import Instrument, Provision

D = datetime.date


def provision(api, instrument: str, citation: str, **params: str) -> dict | None:
    response = api.get(
        "/api/v1/provisions/", {"instrument": instrument, "citation": citation, **params}
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) <= 1
    return results[0] if results else None


def test_eu_article_4_reads_each_text_on_its_day(api):
    before = provision(api, "eu-ai-act", "Article 4", as_of="2025-06-01")
    after = provision(api, "eu-ai-act", "Article 4", as_of="2026-08-01")
    assert (
        "shall take measures to ensure, to their best extent, a sufficient level of AI literacy"
        in before["text"]
    )
    assert "shall take measures to support the development of AI literacy" in after["text"]
    assert before["public_id"] == after["public_id"] == "eu-ai-act:art_4"


def test_eu_article_10_5_deleted_by_the_omnibus(api):
    assert provision(api, "eu-ai-act", "Article 10(5)", in_force_on="2026-07-01") is not None
    assert provision(api, "eu-ai-act", "Article 10(5)", in_force_on="2026-08-01") is None
    latest = provision(api, "eu-ai-act", "Article 10(5)")
    assert latest["status"] == "deleted"
    assert latest["in_force_until"] == "2026-07-26"


def test_eu_article_9_in_force_but_not_applicable_until_december_2027(api):
    assert provision(api, "eu-ai-act", "Article 9(1)", in_force_on="2026-09-01") is not None
    assert provision(api, "eu-ai-act", "Article 9(1)", as_of="2026-09-01") is None
    assert provision(api, "eu-ai-act", "Article 9(1)", as_of="2027-12-02") is not None
    row = provision(api, "eu-ai-act", "Article 9(1)", in_force_on="2026-09-01")
    assert row["status"] == "not_yet_applicable"
    assert [d["from"] for d in row["application_dates"]] == ["2027-12-02", "2028-08-02"]


def test_eu_article_6_1_applies_from_august_2028(api):
    assert provision(api, "eu-ai-act", "Article 6(1)", as_of="2028-08-01") is None
    row = provision(api, "eu-ai-act", "Article 6(1)", as_of="2028-08-02")
    assert row["applies_from"] == "2028-08-02"
    assert "Article 6(1) and Annex I" in row["application_dates"][0]["scope"]


def test_eu_new_prohibitions_in_force_july_applicable_december_2026(api):
    for citation in ["Article 5(1)(ba)", "Article 5(1)(bb)", "Article 5(1a)", "Article 5(1b)"]:
        assert provision(api, "eu-ai-act", citation, in_force_on="2026-07-26") is None
        assert provision(api, "eu-ai-act", citation, in_force_on="2026-07-27") is not None
        assert provision(api, "eu-ai-act", citation, as_of="2026-12-01") is None
        assert provision(api, "eu-ai-act", citation, as_of="2026-12-02") is not None


@pytest.mark.parametrize(
    ("citation", "applies_from"),
    [
        ("Article 5(1)(a)", "2025-02-02"),
        ("Article 52(1)", "2025-08-02"),  # Chapter V
        ("Article 78(1)", "2025-08-02"),
        ("Article 101(1)", "2026-08-02"),
        ("Article 102", "2026-07-27"),
        ("Article 6(5)", "2026-08-02"),
        ("Article 26(1)", "2027-12-02"),
        ("Article 43(1)", "2026-08-02"),  # Chapter III Section 5
        ("Annex III", "2026-08-02"),
        ("Recital 1", "2024-08-01"),
    ],
)
def test_eu_dates_of_application_follow_article_113(api, citation, applies_from):
    assert provision(api, "eu-ai-act", citation)["applies_from"] == applies_from


def test_eu_recitals_carry_on_unchanged(api):
    row = provision(api, "eu-ai-act", "Recital 27", as_of="2026-09-01")
    assert row is not None and row["status"] == "in_force"
    assert Provision.objects.get(public_id="eu-ai-act:rec_27").texts.count() == 1


def test_eu_amended_provision_keeps_public_id_with_two_dated_texts(api):
    response = api.get("/api/v1/provisions/eu-ai-act:art_4/", {"include": "texts"})
    texts = response.json()["texts"]
    assert [(t["valid_from"], t["valid_until"]) for t in texts] == [
        ("2024-08-01", "2026-07-26"),
        ("2026-07-27", None),
    ]
    assert "2026/1744" in texts[1]["changed_by"]


def test_oecd_principle_1_2_heading_by_date(api):
    old = provision(api, "oecd-ai-recommendation", "1.2", as_of="2020-01-01")
    new = provision(api, "oecd-ai-recommendation", "1.2", as_of="2025-01-01")
    assert old["heading"] == "Human-centred values and fairness"
    assert new["heading"] == (
        "Respect for the rule of law, human rights and democratic values, "
        "including fairness and privacy"
    )


def test_oecd_points_of_one_text_exist_only_in_its_period(api):
    assert provision(api, "oecd-ai-recommendation", "1.5(a)", as_of="2020-01-01") is None
    assert provision(api, "oecd-ai-recommendation", "1.5(a)", as_of="2025-01-01") is not None
    assert provision(api, "oecd-ai-recommendation", "1.5(a)")["in_force_from"] == "2024-05-03"


def test_korea_nothing_in_force_before_22_january_2026(api):
    response = api.get(
        "/api/v1/provisions/", {"instrument": "kr-ai-framework-act", "in_force_on": "2026-01-21"}
    )
    assert response.json()["count"] == 0
    response = api.get(
        "/api/v1/provisions/", {"instrument": "kr-ai-framework-act", "in_force_on": "2026-01-22"}
    )
    assert response.json()["count"] > 300


def test_korea_earlier_phase_text_before_21_july_2026(sources, api):
    import json

    raw = json.loads((sources / "kr-ai-framework-act.json").read_text())["provisions"]
    phased = [p for p in raw if "text_ko_earlier_phase" in p]
    assert len(phased) == 19
    for p in phased:
        before = provision(api, "kr-ai-framework-act", p["ref"], in_force_on="2026-07-20")
        after = provision(api, "kr-ai-framework-act", p["ref"], in_force_on="2026-07-21")
        assert after["text_original"] == p["text_ko"]
        if p["text_ko_earlier_phase"] is None:
            assert before is None
        else:
            assert before["text_original"] == p["text_ko_earlier_phase"]
            assert before["text"] and before["text"] != after["text"]  # the 20676 English
    art_3_5 = provision(api, "kr-ai-framework-act", "Article 3(5)")
    assert art_3_5["in_force_from"] == "2026-07-21"


def test_us_eo_14110_revoked_by_14148_sec_2_ggg(api):
    instrument = api.get("/api/v1/instruments/us-eo-14110/").json()
    assert instrument["status"] == "revoked"
    assert instrument["in_force_from"] == "2023-10-30"
    assert instrument["in_force_until"] == "2025-01-19"
    assert instrument["revoked_by"] == "us-eo-14148:sec_2__para_ggg"
    row = provision(api, "us-eo-14110", "Sec. 4.1(a)")
    assert row["status"] == "revoked"
    assert row["ended_by"] == "us-eo-14148:sec_2__para_ggg"
    assert provision(api, "us-eo-14110", "Sec. 4.1(a)", in_force_on="2025-01-19") is not None
    assert provision(api, "us-eo-14110", "Sec. 4.1(a)", in_force_on="2025-01-20") is None


def test_later_orders_in_force_from_signing(api):
    signed = {
        "us-eo-14179": "2025-01-23",
        "us-eo-14277": "2025-04-23",
        "us-eo-14318": "2025-07-23",
        "us-eo-14319": "2025-07-23",
        "us-eo-14320": "2025-07-23",
        "us-eo-14355": "2025-09-30",
        "us-eo-14363": "2025-11-24",
        "us-eo-14365": "2025-12-11",
        "us-eo-14409": "2026-06-02",
        "us-eo-14434": "2026-09-29",
    }
    for slug, day in signed.items():
        assert api.get(f"/api/v1/instruments/{slug}/").json()["in_force_from"] == day
        assert provision(api, slug, "Sec. 1", in_force_on=day) is not None
        before = (D.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()
        assert provision(api, slug, "Sec. 1", in_force_on=before) is None


def test_japan_guidelines_part_2_d_superseded_on_31_march_2026(api):
    assert provision(api, "jp-ai-guidelines-for-business", "Part 2 D I)", in_force_on="2026-03-30")
    assert not provision(
        api, "jp-ai-guidelines-for-business", "Part 2 D I)", in_force_on="2026-03-31"
    )
    assert provision(api, "jp-ai-guidelines-for-business", "Part 2 D I)")["status"] == "superseded"
    assert provision(api, "jp-ai-guidelines-for-business", "Part 2 C 1)", in_force_on="2026-04-01")
    assert not provision(
        api, "jp-ai-guidelines-for-business", "Part 2 D (1)", in_force_on="2026-03-30"
    )
    assert provision(api, "jp-ai-guidelines-for-business", "Part 2 D (1)", in_force_on="2026-03-31")
    notes = Instrument.objects.get(slug="jp-ai-guidelines-for-business").notes
    assert "Ver1.2" in notes and "not yet in the corpus" not in notes


def test_list_without_date_holds_every_provision_ever(api):
    response = api.get("/api/v1/provisions/", {"instrument": "eu-ai-act"})
    assert response.json()["count"] == 1658


def test_queryset_methods_match_the_api(db):
    day = D(2026, 8, 1)
    in_force = Provision.objects.filter(instrument__slug="eu-ai-act").in_force_on(day)
    applicable = Provision.objects.filter(instrument__slug="eu-ai-act").as_of(day)
    assert not in_force.filter(citation="Article 10(5)").exists()
    assert in_force.filter(citation="Article 9(1)").exists()
    assert not applicable.filter(citation="Article 9(1)").exists()
    art_4 = applicable.get(citation="Article 4")
    assert "support the development of AI literacy" in art_4.texts_on_day[0].text


def test_eu_recitals_say_why_they_are_served_from_entry_into_force(api):
    """Item 22: Article 113 gives recitals no date of application; they are read with the
    Regulation from 2024-08-01, and their application_dates says so."""
    row = provision(api, "eu-ai-act", "Recital 27", as_of="2024-08-01")
    assert row["applies_from"] == "2024-08-01"
    [entry] = row["application_dates"]
    assert entry["from"] == "2024-08-01"
    assert entry["scope"] == "Recitals"
    assert entry["basis"].startswith("No date of application")
    assert "entry into force (Article 113, first paragraph)" in entry["basis"]


CONTAINERS_DATED_BY_PARTS = {
    "Chapter III": ("2025-08-02", "Its part Chapter III, Section 4"),
    "Chapter III, Section 1": ("2026-08-02", "Its part Article 6"),
    "Article 6": ("2026-08-02", "Its part Article 6(5)"),
    "Chapter IX": ("2025-08-02", "Its part Chapter IX, Section 3"),
    "Chapter IX, Section 3": ("2025-08-02", "Its part Article 78"),
    "Chapter XIII": ("2026-07-27", "Its parts Article 102, Article 103, Article 104"),
}


@pytest.mark.parametrize(("citation", "expected"), CONTAINERS_DATED_BY_PARTS.items())
def test_eu_container_lists_the_date_it_takes_from_its_parts(api, citation, expected):
    day, scope = expected
    row = provision(api, "eu-ai-act", citation)
    assert row["applies_from"] == day
    first = row["application_dates"][0]
    assert first["from"] == day and first["scope"].startswith(scope)
    assert first["basis"].startswith("Article 113, ")
    assert row["application_note"] == "Applies in part from this date; see its parts."


def test_every_eu_provision_lists_the_date_it_applies_from(db):
    unlisted = [
        (p.citation, p.applies_from.isoformat())
        for p in Provision.objects.filter(instrument__slug="eu-ai-act")
        if p.applies_from.isoformat() not in {entry["from"] for entry in p.application_dates}
    ]
    assert unlisted == []
