"""The admin's CSV import keeps a previewed file in the database (issue 15, item 2): the commit
names it by id and never posts the content again, only its uploader can commit it, it expires
after 24 hours, and a file over the one size limit is refused with a message, writing nothing."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.management import call_command

from crosswalk.importers.mapping_csv import MAX_FILE_BYTES
from crosswalk.models import ImportUpload, Mapping

URL = "/admin/crosswalk/mapping/import/"
HEADER = "source_public_id,target_public_id,relationship,strength,rationale_type,rationale\n"
ROWS = HEADER + (
    "jp-ai-promotion-act:art_1,eu-ai-act:art_1,intersects_with,5,semantic,Both state a purpose.\n"
    "jp-ai-promotion-act:art_2,eu-ai-act:art_3,intersects_with,4,semantic,Both define terms.\n"
)


@pytest.fixture
def curators(db):
    call_command("setup_roles", stdout=io.StringIO())
    made = []
    for name in ("curator", "curator2"):
        user = get_user_model().objects.create_user(name, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name="curator"))
        made.append(user)
    return made


def upload(client, content: str | bytes, name: str = "rows.csv"):
    data = io.BytesIO(content.encode() if isinstance(content, str) else content)
    data.name = name
    return client.post(URL, {"file": data})


def stored_id(page) -> int:
    found = re.search(r'name="upload" value="(\d+)"', page.content.decode())
    assert found, "the preview offers no import button"
    return int(found.group(1))


def test_preview_then_commit_names_the_stored_file_without_posting_it_again(client, curators):
    client.force_login(curators[0])
    page = upload(client, ROWS)
    assert page.status_code == 200 and "2 new, 0 changed" in page.content.decode()
    assert 'name="content"' not in page.content.decode()  # the file is not carried in the form
    pk = stored_id(page)
    stored = ImportUpload.objects.get(pk=pk)
    assert (bytes(stored.content), stored.user, stored.filename) == (
        ROWS.encode(), curators[0], "rows.csv"
    )  # fmt: skip
    assert not Mapping.objects.exists()  # a preview writes no mapping

    done = client.post(URL, {"upload": pk, "commit": "1"})  # no file, no content
    assert done.status_code == 302
    made = Mapping.objects.order_by("source__public_id")
    assert [(m.source.public_id, m.status, m.provenance, m.author) for m in made] == [
        ("jp-ai-promotion-act:art_1", "draft", "imported", curators[0]),
        ("jp-ai-promotion-act:art_2", "draft", "imported", curators[0]),
    ]
    assert not ImportUpload.objects.filter(pk=pk).exists()  # committed once
    again = client.post(URL, {"upload": pk, "commit": "1"})
    assert again.status_code == 302 and Mapping.objects.count() == 2
    assert "expired or was already imported" in str(list(get_messages(again.wsgi_request))[-1])


def test_a_preview_expires_after_24_hours(client, curators):
    client.force_login(curators[0])
    pk = stored_id(upload(client, ROWS))
    ImportUpload.objects.filter(pk=pk).update(
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=24, minutes=1)
    )
    response = client.post(URL, {"upload": pk, "commit": "1"})
    assert response.status_code == 302 and response["Location"] == URL
    message = str(list(get_messages(response.wsgi_request))[-1])
    assert "expired" in message and "kept 24 hours" in message
    assert "upload the file again" in message
    assert not Mapping.objects.exists()
    assert not ImportUpload.objects.filter(pk=pk).exists()  # expired rows are cleaned up

    # One that is 23 hours old is still good.
    pk = stored_id(upload(client, ROWS))
    ImportUpload.objects.filter(pk=pk).update(
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=23)
    )
    assert client.post(URL, {"upload": pk, "commit": "1"}).status_code == 302
    assert Mapping.objects.count() == 2


def test_only_the_uploader_can_commit_a_preview(client, curators):
    client.force_login(curators[0])
    pk = stored_id(upload(client, ROWS))
    client.force_login(curators[1])
    assert client.post(URL, {"upload": pk, "commit": "1"}).status_code == 403
    assert not Mapping.objects.exists() and ImportUpload.objects.filter(pk=pk).exists()


def test_a_file_over_the_limit_gets_the_message_and_writes_nothing(client, curators):
    client.force_login(curators[0])
    line = "jp-ai-promotion-act:art_1,eu-ai-act:art_1,intersects_with,5,semantic,x\n"
    big = HEADER + line * (MAX_FILE_BYTES // len(line) + 1)
    assert len(big.encode()) > MAX_FILE_BYTES
    page = upload(client, big)
    text = page.content.decode()
    assert page.status_code == 200
    assert f"over the limit of {MAX_FILE_BYTES:,} bytes: split the file" in text
    assert "Nothing can be imported" in text and 'name="upload"' not in text
    assert "2.0\xa0MB" in text or "2.0 MB" in text  # the page states the limit
    assert not Mapping.objects.exists() and not ImportUpload.objects.exists()
