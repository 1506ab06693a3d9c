"""End-to-end in a real browser: curate, review and publish a mapping; picture the coverage page
and the topic matrix."""

from __future__ import annotations

import io
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connections

from crosswalk.models import Mapping, Organisation, PartnerAPIKey, Provision

User = get_user_model()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SOURCE = "jp-ai-promotion-act:art_3"
TARGET = "eu-ai-act:art_4"
PASSWORD = "e2e-browser-pass-1"
RATIONALE = "Both set basic principles for AI; the EU article adds an AI-literacy duty."


def skip(reason: str) -> None:
    print(f"\nbrowser test skipped: {reason}")
    pytest.skip(reason)


@pytest.fixture
def start_playwright():
    """Playwright's sync entry point, or a skip (before any database work) where it or chromium
    is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip("the playwright package is not installed (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


@pytest.fixture
def corpus(start_playwright, transactional_db):
    """live_server flushes the database after each test: bring back what these tests need."""
    if not Provision.objects.filter(public_id=TARGET).exists():
        call_command("load_corpus", stdout=io.StringIO())
    call_command("setup_roles", stdout=io.StringIO())


@pytest.fixture
def browser(start_playwright, corpus, live_server, monkeypatch):
    """Debian's chromium, headless, in front of the live server."""
    # Playwright's sync API runs an event loop in this thread: Django then takes the ORM calls
    # made between clicks for async ones (they are not) and keeps their connection apart.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with start_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()
        connections.close_all()  # that separate connection would block dropping the test database


def staff(username: str, group: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def log_out(page) -> None:
    page.click("#logout-form button[type=submit]")
    page.get_by_role("heading", name="Logged out").wait_for()


def choose(page, field: str, provision: Provision, term: str | None = None) -> list[str]:
    """Open the select2 widget, type `term` (default: the public id) and pick the provision
    from the results, labelled with instrument, citation and heading; returns the labels
    offered."""
    page.click(f"#{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", term or provision.public_id)
    label = re.compile(rf"^\s*{re.escape(provision.labelled())}\s*$")
    option = page.locator(".select2-results__option", has_text=label)
    option.wait_for()
    offered = page.locator(".select2-results__option").all_inner_texts()
    option.click()
    assert page.input_value(f"#{field}") == str(provision.pk)
    return offered


def click_workflow(page, label: str, pk: int) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    page.locator(".messagelist").get_by_text(f"Mapping {pk} is now").wait_for()


def published_pairs(base: str, key: str) -> list[tuple[str, str, str]]:
    request = urllib.request.Request(
        f"{base}/api/v1/mappings/?provision={SOURCE}", headers={"Authorization": f"Api-Key {key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        body = json.load(response)
    return [
        (row["source"]["public_id"], row["target"]["public_id"], row["status"])
        for row in body["results"]
    ]


def test_curator_drafts_and_submits_reviewer_publishes_partner_reads(browser, live_server):
    base = live_server.url
    curator, reviewer = staff("e2e-curator", "curator"), staff("e2e-reviewer", "reviewer")
    _, key = PartnerAPIKey.objects.create_key(
        name="e2e", organisation=Organisation.objects.create(name="E2E")
    )
    source, target = (
        Provision.objects.get(public_id=SOURCE),
        Provision.objects.get(public_id=TARGET),
    )
    assert not Mapping.objects.filter(source=source, target=target).exists()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()

    log_in(page, base, curator.username)
    page.goto(f"{base}/admin/crosswalk/mapping/add/")
    choose(page, "id_source", source)
    # Found by its citation: the cited article first, with its heading (issue 11, item 6).
    offered = choose(page, "id_target", target, term="Article 4")
    assert offered[0] == "EU AI Act Article 4 (AI literacy)"
    # The side-by-side box fetches both texts once they are chosen.
    page.locator("#side-by-side").get_by_text(target.citation).first.wait_for()
    page.check("input[name=relationship][value=intersects_with]")
    page.fill("#id_strength", "6")
    page.select_option("#id_rationale_type", "semantic")
    page.fill("#id_rationale", RATIONALE)
    page.click("input[name=_save]")
    page.locator(".messagelist .success").wait_for()

    mapping = Mapping.objects.get(source=source, target=target)
    assert mapping.status == Mapping.Status.DRAFT
    assert mapping.author == curator
    assert (mapping.relationship, mapping.strength) == ("intersects_with", 6)
    assert (mapping.rationale_type, mapping.rationale) == ("semantic", RATIONALE)

    page.goto(f"{base}/admin/crosswalk/mapping/{mapping.pk}/change/")
    assert page.get_by_role("button", name="Publish", exact=True).count() == 0
    # Side by side: the Japanese original is in view beside the English, not below the fold.
    original = page.locator(".side-by-side .original").first
    assert original.bounding_box()["y"] < 900
    assert page.locator("#id_relationship").bounding_box()["width"] > 400
    # Edited and submitted without saving first: the edits go to review (issue 11, item 3).
    page.fill("#id_rationale", RATIONALE + " Revised.")
    page.fill("#id_strength", "7")
    click_workflow(page, "Save and submit for review", mapping.pk)
    mapping.refresh_from_db()
    assert mapping.status == Mapping.Status.IN_REVIEW
    assert (mapping.strength, mapping.rationale) == (7, RATIONALE + " Revised.")
    assert published_pairs(base, key) == []
    log_out(page)

    log_in(page, base, reviewer.username)
    page.goto(f"{base}/admin/crosswalk/mapping/{mapping.pk}/change/")
    assert page.get_by_role("button", name="Submit for review").count() == 0
    click_workflow(page, "Publish", mapping.pk)
    mapping.refresh_from_db()
    assert mapping.status == Mapping.Status.PUBLISHED
    assert mapping.reviewer == reviewer and mapping.published_at is not None
    context.close()

    assert published_pairs(base, key) == [(SOURCE, TARGET, "published")]


def test_coverage_heatmap_screenshot(browser, live_server, tmp_path):
    """Writes to tmp_path; CROSSWALK_SCREENSHOT_DIR=docs/screenshots refreshes the committed PNG."""
    call_command("load_seed_mappings", stdout=io.StringIO())
    User.objects.create_superuser("e2e-admin", password=PASSWORD)
    folder = Path(os.environ.get("CROSSWALK_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()

    log_in(page, live_server.url, "e2e-admin")
    page.goto(f"{live_server.url}/admin/crosswalk/mapping/coverage/")
    heatmap = page.locator("#coverage-heatmap")
    heatmap.wait_for()
    assert heatmap.locator("td a").count() > 0
    shot = folder / "coverage-heatmap.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_topic_matrix_screenshot(browser, live_server, tmp_path):
    """Writes to tmp_path; CROSSWALK_SCREENSHOT_DIR=docs/screenshots refreshes the committed PNG."""
    call_command("load_topics", stdout=io.StringIO())
    User.objects.create_superuser("e2e-admin", password=PASSWORD)
    folder = Path(os.environ.get("CROSSWALK_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()

    log_in(page, live_server.url, "e2e-admin")
    page.goto(f"{live_server.url}/admin/crosswalk/topic/matrix/")
    matrix = page.locator("#topic-matrix")
    matrix.wait_for()
    assert matrix.locator("td a").count() > 100
    assert matrix.locator("td.short").count() == 0  # every instrument fully covered
    shot = folder / "topic-matrix.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_suggest_button_lists_suggestions_and_saves_nothing(browser, live_server):
    """The suggestion form is a GET form of its own: clicking "Suggest" lists candidates, for
    an admin (who may change the provision) and a curator (who may not), and the provision keeps
    its text and history (issue 11, item 1)."""
    User.objects.create_superuser("e2e-admin", password=PASSWORD)
    staff("e2e-curator", "curator")
    provision = Provision.objects.get(public_id=SOURCE)
    text, history = provision.text, provision.history.count()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    for username in ("e2e-admin", "e2e-curator"):
        log_in(page, live_server.url, username)
        page.goto(f"{live_server.url}/admin/crosswalk/provision/{provision.pk}/change/")
        page.select_option("#suggest_in", "eu-ai-act")
        page.click("#suggest-button")
        page.locator("#suggestion-results").wait_for()
        assert "suggest_in=eu-ai-act" in page.url
        assert page.locator("#suggestion-results a.draft-from-suggestion").count() == 10
        log_out(page)
    context.close()
    provision.refresh_from_db()
    assert (provision.text, provision.history.count()) == (text, history)


def test_redoc_loads_nothing_from_another_host(start_playwright, live_server, monkeypatch):
    """Item 18: agency networks block Google Fonts and cdn.redoc.ly; the page must not need them.
    Every request the page makes is recorded; one to another host fails the test."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    elsewhere: list[str] = []

    def record(route) -> None:
        url = route.request.url
        if url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    with start_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = launched.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        context.route("**/*", record)
        page = context.new_page()
        page.goto(f"{live_server.url}/api/redoc/")
        # Rendered by Redoc from the schema: the operation summaries are in the side menu.
        page.get_by_text("Mappings of two instruments as OSCAL").first.wait_for(state="attached")
        page.wait_for_load_state("networkidle")
        launched.close()
    connections.close_all()
    assert elsewhere == []
