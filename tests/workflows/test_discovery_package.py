"""The prosecutor's evidence package: it round-trips through verify, any tampering is found,
every export is recorded in each item's custody log and the audit log, and only supervisors of
the case's agency may make one."""
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.labels import words
from backoffice.signing import key_id, signing_key
from backoffice.models import AuditEvent, CustodyEvent
from tests import factories
from tests.auth import csrf_token, login
from tests.workflows.helpers import request_in
from workflows import discovery
from workflows import evidence as ev
from workflows import footage_request as wf
from workflows.errors import InvalidInput, TriggerForbidden

LONG_NAME = "Überwachung – cámara del patio trasero 監視カメラ " + "é" * 80 + ".mp4"
RECIPIENT = "DDA Jane Roe, Kern County District Attorney"

# Audit events stay in the log after each test (other tests' events share object numbers):
# each test looks only at the events written since it started.
STARTED = [utcnow()]


@pytest.fixture(autouse=True)
def _started():
    STARTED[0] = utcnow() - timedelta(seconds=1)



@pytest.fixture()
def case_with_evidence(ctx):
    """A collected request (receipt issued) with two evidence files on disk, one with a long,
    non-ASCII name."""
    request = request_in("consented", evidence=False)
    inv = factories.user("investigator")
    first = ev.add_evidence(request.id, inv, io.BytesIO(b"\x00front door" * 5000), "front door.mp4",
                            "front door camera 14:00-15:00", "-42")
    second = ev.add_evidence(request.id, inv, io.BytesIO(b"rear yard" * 3000), LONG_NAME,
                             "rear yard camera", None)
    wf.fire(request.id, "collect", inv, db.session.get(type(request), request.id).version)
    return request.case, [first.id, second.id]


def make(case, tmp_path, user="supervisor") -> Path:
    out = tmp_path / "package.zip"
    discovery.build(case.case_number, factories.user(user) if user else None, RECIPIENT, out)
    return out


def rewrite(source: Path, target: Path, change=lambda name, data: data, add=None) -> Path:
    """A copy of a package with entries changed (None drops one) and entries added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def test_package_round_trips_through_verify(case_with_evidence, tmp_path):
    case, item_ids = case_with_evidence
    out = make(case, tmp_path)
    result = discovery.verify(out)
    assert result.ok, result.problems
    with zipfile.ZipFile(out) as package:
        names = package.namelist()
        manifest = json.loads(package.read("manifest.json"))
        assert package.read(f"evidence/{item_ids[0]}-front door.mp4") == b"\x00front door" * 5000
        custody = PdfReader(io.BytesIO(package.read(f"custody/item-{item_ids[1]}-chain-of-custody.pdf")))
        text = " ".join(page.extract_text() for page in custody.pages)
    assert f"evidence/{item_ids[1]}-{LONG_NAME}" in names  # stored as UTF-8, whole
    assert any(name.startswith("receipts/evidence-receipt-") for name in names)
    assert {"README.txt", "manifest.json", "manifest.json.sig", "public-key.pem"} <= set(names)
    assert result.files_checked == len(names) - 3
    assert manifest["case"]["case_number"] == case.case_number and manifest["recipient"] == RECIPIENT
    first, second = manifest["items"]
    assert first["clock_offset_s"] == -42 and first["clock_offset"] == "42 s behind"
    assert second["file_name_given"] == LONG_NAME and second["clock_offset_s"] is None
    assert first["collected_by"] == "Ivy Investigator (investigator)"
    assert first["collected_at"][-6:] in ("-08:00", "-07:00")  # county time with its offset
    assert [e["action"] for e in first["custody"]] == ["collected", "released"]
    assert first["custody"][-1]["note"] == f"discovery package to {RECIPIENT}"
    assert "discovery package to DDA Jane Roe" in text and "released" in text


def test_the_readme_s_openssl_and_python_checks_work(case_with_evidence, tmp_path):
    out = make(case_with_evidence[0], tmp_path)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as package:
        package.extractall(folder)
    assert "openssl pkeyutl -verify" in (folder / "README.txt").read_text(encoding="utf-8")
    checked = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public-key.pem", "-rawin",
         "-in", "manifest.json", "-sigfile", "manifest.json.sig"],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout, checked
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    script = "\n".join(line[2:] for line in readme.split("run in the unpacked folder:\n", 1)[1].splitlines())
    python = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False)
    assert python.returncode == 0 and "package intact and signed by" in python.stdout, python.stderr
    (folder / "evidence" / "planted.mp4").write_bytes(b"x")
    python = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False)
    assert python.returncode != 0 and "planted.mp4" in python.stderr


def _signed_by_another_key():
    """A change that re-signs the manifest with a key that is not the registry's (and ships
    that key): the manifest comes before its signature in the package."""
    key, seen = Ed25519PrivateKey.generate(), {}

    def change(name, data):
        if name == "manifest.json":
            seen["manifest"] = data
        if name == "manifest.json.sig":
            return key.sign(seen["manifest"])
        if name == "public-key.pem":
            return key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        return data

    return change


def _changed_manifest(name, data):
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["recipient"] = "someone else"
    return json.dumps(manifest, indent=2).encode()


TAMPERING = {
    "changed file": (lambda n, d: d[:-1] + b"!" if n.startswith("evidence/") else d, None,
                     "does not match its SHA-256"),
    "removed file": (lambda n, d: None if n.startswith("custody/") else d, None,
                     "is listed in the manifest but not in the package"),
    "added file": (lambda n, d: d, {"evidence/extra.mp4": b"planted"}, "added: evidence/extra.mp4"),
    "changed manifest": (_changed_manifest, None, "manifest.json: its signature does not verify"),
    "removed signature": (lambda n, d: None if n == "manifest.json.sig" else d, None,
                          "removed: manifest.json.sig"),
    "wrong key": (_signed_by_another_key(), None, "manifest.json: its signature does not verify"),
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_a_tampered_package_fails(case_with_evidence, tmp_path, tampering):
    change, add, problem = TAMPERING[tampering]
    out = make(case_with_evidence[0], tmp_path)
    tampered = rewrite(out, tmp_path / "tampered.zip", change, add)
    result = discovery.verify(tampered)
    assert not result.ok
    assert any(problem in line for line in result.problems), result.problems


def test_checking_with_another_public_key_fails(case_with_evidence, tmp_path, runner):
    out = make(case_with_evidence[0], tmp_path)
    other = Ed25519PrivateKey.generate().public_key()
    problem = discovery.verify(out, other).problems[0]
    assert "signature does not verify" in problem
    assert f"the manifest names key {key_id(signing_key().public_key())}" in problem
    pem = tmp_path / "other.pem"
    pem.write_bytes(other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    result = runner.invoke(args=["case", "verify-package", str(out), "--public-key", str(pem)])
    assert result.exit_code == 1 and "signature does not verify" in result.output


def test_each_export_is_in_the_custody_log_and_audited(case_with_evidence, tmp_path):
    case, item_ids = case_with_evidence
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    make(case, tmp_path)
    released = db.session.scalars(select(CustodyEvent).where(
        CustodyEvent.evidence_item_id.in_(item_ids), CustodyEvent.action == "released")).all()
    assert sorted(e.evidence_item_id for e in released) == item_ids
    assert {e.note for e in released} == {f"discovery package to {RECIPIENT}"}
    assert {e.actor_id for e in released} == {factories.user("supervisor").id}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0], AuditEvent.id > before).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["evidence_item.released"] * 2 + ["case.discovery_package"]
    package_event = events[-1]
    assert package_event.purpose == case.case_number and package_event.username == "supervisor"
    detail = json.loads(package_event.detail)
    assert detail["recipient"] == RECIPIENT and detail["evidence_items"] == item_ids
    assert words("case.discovery_package", "audit_action") == "Evidence package made for the prosecutor"


def test_a_half_done_package_leaves_no_file_and_no_custody_entry(case_with_evidence, tmp_path, ctx):
    case, item_ids = case_with_evidence
    stored = Path(ctx.config["EVIDENCE_DIR"]) / db.session.get(ev.EvidenceItem, item_ids[1]).storage_location
    stored.chmod(0o640)
    stored.write_bytes(b"overwritten")
    with pytest.raises(ev.EvidenceChanged):
        make(case, tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the package nor its temporary file
    assert db.session.scalar(select(CustodyEvent.id).where(
        CustodyEvent.evidence_item_id.in_(item_ids), CustodyEvent.action == "released")) is None
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0], AuditEvent.object_id == item_ids[1],
                                                         AuditEvent.object_type == "evidence_item")
                                .order_by(AuditEvent.id.desc())).first()
    assert failed.action == "evidence_item.fixity_failed" and failed.purpose == case.case_number
    assert json.loads(failed.detail)["found"] == hashlib.sha256(b"overwritten").hexdigest()
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.at >= STARTED[0], AuditEvent.action == "case.discovery_package",
                                                         AuditEvent.object_id == case.id)) is None


def test_only_supervisors_of_the_cases_agency(case_with_evidence, tmp_path):
    case, item_ids = case_with_evidence
    with pytest.raises(discovery.CaseNotFound):
        make(case, tmp_path, "supervisor2")
    with pytest.raises(TriggerForbidden):
        make(case, tmp_path, "investigator")
    with pytest.raises(InvalidInput):
        discovery.build(case.case_number, factories.user("supervisor"), "  ", tmp_path / "x.zip")
    assert list(tmp_path.iterdir()) == []
    assert db.session.scalar(select(CustodyEvent.id).where(CustodyEvent.action == "released",
                                                          CustodyEvent.evidence_item_id.in_(item_ids))) is None


# --- the commands ---------------------------------------------------------------------------

def one_line_error(result) -> str:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_commands_package_and_verify(case_with_evidence, tmp_path, runner):
    case, item_ids = case_with_evidence
    out = tmp_path / "for the DA.zip"
    made = runner.invoke(args=["case", "package", case.case_number, "--out", str(out), "--to", RECIPIENT])
    assert made.exit_code == 0, made.output
    assert "2 evidence item(s)" in made.output and out.is_file()
    checked = runner.invoke(args=["case", "verify-package", str(out)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"package OK: case {case.case_number}")
    note = db.session.scalar(select(CustodyEvent.note).where(CustodyEvent.evidence_item_id == item_ids[0],
                                                             CustodyEvent.action == "released"))
    assert note == f"discovery package to {RECIPIENT} (exported on the command line)"
    tampered = rewrite(out, tmp_path / "tampered.zip", add={"receipts/extra.pdf": b"%PDF"})
    refused = runner.invoke(args=["case", "verify-package", str(tampered)])
    assert refused.exit_code == 1 and "added: receipts/extra.pdf is not in the manifest" in refused.output


@pytest.mark.parametrize("args, words", [
    (["package", "NO-SUCH-CASE", "--out", "{tmp}/x.zip", "--to", RECIPIENT], "Case NO-SUCH-CASE was not found."),
    (["package", "{case}", "--out", "/nonexistent/folder/x.zip", "--to", RECIPIENT], "cannot write /nonexistent"),
    (["package", "{case}", "--out", "{tmp}", "--to", RECIPIENT], "a folder, not a file name"),
    (["package", "{case}", "--out", "{tmp}/x.zip", "--to", " "], "Say whom the package is for"),
    (["verify-package", "{tmp}/notes.txt"], "not a ZIP file"),
    (["verify-package", "{tmp}/missing.zip"], "no such file"),
])
def test_commands_refuse_bad_input_in_one_line(case_with_evidence, tmp_path, runner, args, words):
    (tmp_path / "notes.txt").write_text("not a package")
    args = [a.format(tmp=tmp_path, case=case_with_evidence[0].case_number) for a in args]
    result = runner.invoke(args=["case", *args])
    assert words in one_line_error(result)
    assert not (tmp_path / "x.zip").exists() and not list(tmp_path.glob(".discovery-*"))


# --- the case screen's button -----------------------------------------------------------------

def test_supervisor_downloads_the_package_from_the_case_page(case_with_evidence, client, tmp_path):
    case, _ = case_with_evidence
    login(client, "supervisor")
    token = csrf_token(client, f"/caseview/show/{case.id}")
    for forged in ({}, {"csrf_token": "forged"}):  # CSRFProtect refuses the form before the view
        assert client.post(f"/caseview/package/{case.id}", data={**forged, "recipient": RECIPIENT}).status_code == 400
    response = client.post(f"/caseview/package/{case.id}", data={"csrf_token": token, "recipient": RECIPIENT})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"evidence-package-{case.case_number}-" in response.headers["Content-Disposition"]
    out = tmp_path / "download.zip"
    out.write_bytes(response.get_data())
    assert discovery.verify(out).ok


def test_the_button_is_for_supervisors_only(case_with_evidence, client):
    case, item_ids = case_with_evidence
    login(client, "investigator")
    page = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert "package-form" not in page
    token = csrf_token(client, "/caseview/add")
    refused = client.post(f"/caseview/package/{case.id}", data={"csrf_token": token, "recipient": RECIPIENT})
    assert refused.status_code in (302, 403) and refused.mimetype != "application/zip"
    assert db.session.scalar(select(CustodyEvent.id).where(CustodyEvent.action == "released",
                                                          CustodyEvent.evidence_item_id.in_(item_ids))) is None


def test_another_agencys_supervisor_gets_not_found(case_with_evidence, client):
    case, _ = case_with_evidence
    login(client, "supervisor2")
    token = csrf_token(client, "/caseview/add")
    refused = client.post(f"/caseview/package/{case.id}", data={"csrf_token": token, "recipient": RECIPIENT})
    assert refused.mimetype != "application/zip"
    assert refused.status_code in (302, 404)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.at >= STARTED[0],
        AuditEvent.action == "access.refused", AuditEvent.object_type == "case",
        AuditEvent.object_id == case.id)) is not None


def test_a_refusal_keeps_what_was_typed(case_with_evidence, client, tmp_path):
    case, _ = case_with_evidence
    login(client, "supervisor")
    token = csrf_token(client, f"/caseview/show/{case.id}")
    long = "x" * 201
    response = client.post(f"/caseview/package/{case.id}", data={"csrf_token": token, "recipient": long},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "at most 200 characters" in page
    assert 'value="' + "x" * 200 + '"' in page


def test_the_longest_name_a_file_can_have_unpacks(case_with_evidence, tmp_path, ctx):
    case, _ = case_with_evidence
    request_id = db.session.scalar(
        select(ev.EvidenceItem.footage_request_id).where(ev.EvidenceItem.id == case_with_evidence[1][0]))
    db.session.get(ev.FootageRequest, request_id).state = "consented"
    db.session.commit()
    item = ev.add_evidence(request_id, factories.user("investigator"), io.BytesIO(b"long"), "日" * 300 + ".mp4",
                           "camera with a very long file name", "7")
    assert 236 <= len(item.file_name.encode()) <= 240  # shortened at intake, as file systems take
    out = make(case, tmp_path)
    assert discovery.verify(out).ok
    with zipfile.ZipFile(out) as package:
        package.extractall(tmp_path / "unpacked")  # each name fits a file system's 255 bytes
    assert (tmp_path / "unpacked" / discovery.evidence_name(item)).read_bytes() == b"long"


def test_a_case_number_two_agencies_use_needs_the_agency(case_with_evidence, tmp_path, runner):
    case, _ = case_with_evidence
    factories.case(1, case_number=case.case_number)
    db.session.commit()
    out = tmp_path / "x.zip"
    args = ["case", "package", case.case_number, "--out", str(out), "--to", RECIPIENT]
    assert "name the agency by its ORI" in one_line_error(runner.invoke(args=args))
    made = runner.invoke(args=[*args, "--agency", case.agency.ori])
    assert made.exit_code == 0, made.output
    assert discovery.verify(out).manifest["case"]["agency_ori"] == case.agency.ori


def test_the_agency_s_ori_is_read_in_any_case_and_an_unknown_one_is_named(case_with_evidence, tmp_path,
                                                                          runner):
    case, _ = case_with_evidence
    out = tmp_path / "x.zip"
    args = ["case", "package", case.case_number, "--out", str(out), "--to", RECIPIENT]
    assert one_line_error(runner.invoke(args=[*args, "--agency", "ZZ9999999"])) == (
        "Error: No agency has the ORI ZZ9999999.")
    assert not out.exists()
    made = runner.invoke(args=[*args, "--agency", f" {case.agency.ori.lower()} "])
    assert made.exit_code == 0, made.output
    assert discovery.verify(out).manifest["case"]["agency_ori"] == case.agency.ori
