"""OpenRosa (the protocol of ODK Collect, Enketo, ODK Web Forms): device tokens, the form list, the form, its
manifest and business list, HEAD and POST /submission through the phone's submission path."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeTree
from litestar.testing import TestClient
from pyxform.validators import odk_validate

from forms import registry
from tests.dbs import execute
from tests.submissions import body, image, new_uuid

OPENROSA = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"


def issue(admin: TestClient, username: str = "inspector1") -> str:
    """A device token for a user: the path prefix ODK Collect is configured with."""
    response = admin.post("/api/v1/device-tokens", json={"username": username, "name": "Samsung A15"})
    assert response.status_code == 201, response.text
    out = response.json()
    settings = json.loads(zlib.decompress(base64.b64decode(out["collect_settings"])))
    assert settings["general"]["server_url"] == out["server_url"]
    return "/key/" + out["server_url"].rsplit("/key/", 1)[1]


def instance(sent: dict[str, Any], uuid: str, photo: str | None = None) -> bytes:
    """The XForm instance ODK Collect would send for a phone body (one element per group and question)."""
    form = registry.get(sent["form_id"], sent["form_version"])
    root = ElementTree.Element("data", {"id": form.id, "version": str(form.version)})
    visit = ElementTree.SubElement(root, "visit")
    ElementTree.SubElement(visit, "establishment_id").text = str(sent["establishment_id"])
    location = sent["location"]
    ElementTree.SubElement(visit, "location").text = f"{location['lat']} {location['lon']} 0 {location['accuracy_m']}"
    for section in form.sections:
        group = ElementTree.SubElement(root, section.id)
        for question in section.questions:
            value = sent["answers"].get(question.id)
            element = ElementTree.SubElement(group, question.id)
            if question.kind == "photo":
                element.text = photo if value else None
            elif isinstance(value, list):
                element.text = " ".join(value)
            elif value is not None:
                element.text = str(value)
    ElementTree.SubElement(ElementTree.SubElement(root, "meta"), "instanceID").text = f"uuid:{uuid}"
    return ElementTree.tostring(root, encoding="utf-8")


def send(client: TestClient, prefix: str, xml: bytes, photos: dict[str, bytes] | None = None) -> Any:
    files = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    files += [(name, (name, content, "image/jpeg")) for name, content in (photos or {}).items()]
    return client.post(f"{prefix}/submission", files=files, headers={"X-OpenRosa-Version": "1.0"})


def message(response: Any) -> str:
    root = SafeTree.fromstring(response.content)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    return root.find(f"{RESPONSE}message").text  # type: ignore[union-attr,return-value]


def test_form_list_form_manifest_and_business_list(as_user: Callable[[str], TestClient], client: TestClient,
                                                   database_url: str) -> None:
    prefix = issue(as_user("admin"))
    listed = client.get(f"{prefix}/formList", headers={"X-OpenRosa-Version": "1.0"})
    assert listed.status_code == 200
    assert listed.headers["x-openrosa-version"] == "1.0" and listed.headers["content-type"].startswith("text/xml")
    forms = {x.findtext(f"{OPENROSA}formID"): x for x in SafeTree.fromstring(listed.content)}
    assert sorted(forms) == ["bar", "dance_hall", "hair_salon", "karaoke", "lodging", "massage"]
    karaoke = forms["karaoke"]
    assert karaoke.findtext(f"{OPENROSA}version") == "1"
    assert karaoke.findtext(f"{OPENROSA}hash", "").startswith("md5:")
    xform = client.get(karaoke.findtext(f"{OPENROSA}downloadUrl", "").split("testserver.local", 1)[1])
    assert xform.status_code == 200 and 'jr://file-csv/businesses.csv' in xform.text
    manifest = SafeTree.fromstring(client.get(
        karaoke.findtext(f"{OPENROSA}manifestUrl", "").split("testserver.local", 1)[1]).content)
    media = manifest.find(f"{MANIFEST}mediaFile")
    assert media is not None and media.findtext(f"{MANIFEST}filename") == "businesses.csv"
    rows = list(csv.DictReader(io.StringIO(client.get(
        media.findtext(f"{MANIFEST}downloadUrl", "").split("testserver.local", 1)[1]).text)))
    karaoke_ids = {r[0] for r in execute(database_url, "SELECT id FROM establishments WHERE type = 'karaoke' "
                                                       "AND status = 'active'")}
    assert rows and {int(r["name"]) for r in rows} <= karaoke_ids and all(r["label"] for r in rows)


def test_every_form_a_device_downloads_passes_odk_validate(as_user: Callable[[str], TestClient],
                                                           client: TestClient, tmp_path: Path) -> None:
    """The XForms Collect and Web Forms get (with the visit part: the business from businesses.csv, the
    location, the team and outcome), not only the plain export."""
    prefix = issue(as_user("admin"))
    listed = SafeTree.fromstring(client.get(f"{prefix}/formList", headers={"X-OpenRosa-Version": "1.0"}).content)
    for entry in listed:
        form_id = entry.findtext(f"{OPENROSA}formID")
        xform = client.get(entry.findtext(f"{OPENROSA}downloadUrl", "").split("testserver.local", 1)[1])
        assert xform.status_code == 200 and 'type="geopoint"' in xform.text
        path = tmp_path / f"{form_id}.xml"
        path.write_bytes(xform.content)
        odk_validate.check_xform(str(path))  # raises ODKValidateError on any problem; needs Java


def test_authentication_head_and_revocation(as_user: Callable[[str], TestClient], client: TestClient) -> None:
    admin = as_user("admin")
    prefix = issue(admin)
    head = client.head(f"{prefix}/submission")
    assert head.status_code == 204 and head.headers["x-openrosa-version"] == "1.0"
    assert int(head.headers["x-openrosa-accept-content-length"]) >= 10 * 1024 * 1024
    assert client.get("/key/not-a-token/formList").status_code == 401
    assert client.head("/key/not-a-token/submission").status_code == 401
    assert client.get("/formList").status_code == 401
    assert client.get("/formList", params={"token": prefix.rsplit("/", 1)[1]}).status_code == 401  # path only
    assert as_user("inspector1").get("/formList").status_code == 200  # a browser client on the login session
    police = issue(admin, "police.hamrong")
    assert client.get(f"{police}/formList").status_code == 403
    token_id = admin.get("/api/v1/device-tokens").json()[-1]["id"]
    assert admin.delete(f"/api/v1/device-tokens/{token_id}").status_code == 204
    assert client.get(f"{prefix}/formList").status_code == 401


def test_submission_same_again_and_conflict(as_user: Callable[[str], TestClient], client: TestClient,
                                           database_url: str) -> None:
    prefix = issue(as_user("admin"))
    uuid = new_uuid()
    photo = image()
    sent = body(database_url, photo="0" * 64)
    xml = instance(sent, uuid, photo="evidence.jpg")
    created = send(client, prefix, xml, {"evidence.jpg": photo})
    assert created.status_code == 201, created.text
    assert created.headers["x-openrosa-version"] == "1.0" and message(created)
    stored = as_user("inspector1").get(f"/api/v1/inspections/{uuid}").json()
    assert stored["outcome"] == "violations" and stored["violations"]
    assert stored["attachments"] == [hashlib.sha256(photo).hexdigest()]
    again = send(client, prefix, xml, {"evidence.jpg": photo})
    assert again.status_code == 202, again.text
    assert execute(database_url, "SELECT count(*) FROM inspections WHERE uuid = :u", {"u": uuid})[0][0] == 1
    other = send(client, prefix, instance({**sent, "answers": {**sent["answers"], "findings": "Khác"}}, uuid,
                                          photo="evidence.jpg"), {"evidence.jpg": photo})
    assert other.status_code == 409 and message(other)
    queue = as_user("cityoffice").get("/api/v1/inspections", params={
        "state": "submitted", "establishment": sent["establishment_id"]}).json()  # the review queue's listing
    assert uuid in [item["uuid"] for item in queue["items"]]
    events = execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'inspection.create' AND "
                                   "target_id = :u", {"u": uuid})[0][0]
    assert events == 1


def test_invalid_submissions_write_nothing(as_user: Callable[[str], TestClient], client: TestClient,
                                           database_url: str) -> None:
    prefix = issue(as_user("admin"))
    before = execute(database_url, "SELECT count(*) FROM inspections")[0][0]
    sent = body(database_url)
    missing = dict(sent, answers={k: v for k, v in sent["answers"].items() if k != "outcome"})
    assert send(client, prefix, instance(missing, new_uuid())).status_code == 422
    assert send(client, prefix, b"<data").status_code == 422
    assert send(client, prefix, b'<!DOCTYPE d [<!ENTITY e "x">]><data id="karaoke" version="1">&e;</data>'
                ).status_code == 422
    assert client.post(f"{prefix}/submission", files={"other": ("a.txt", b"x")}).status_code == 422
    assert execute(database_url, "SELECT count(*) FROM inspections")[0][0] == before


def test_admin_page_shows_the_qr_code_once(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    page = admin.get("/admin/devices")
    assert page.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    issued = admin.post("/admin/devices", data={"_csrf_token": token, "username": "inspector1", "name": "A15"})
    assert issued.status_code == 200 and 'id="qr"' in issued.text and "data:image/svg+xml" in issued.text
    assert issued.headers["content-type"].startswith("text/html")
    assert "/key/" in issued.text
    assert "/key/" not in admin.get("/admin/devices").text
    assert as_user("cityoffice").get("/admin/devices").status_code == 403
