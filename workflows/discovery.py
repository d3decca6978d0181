"""The prosecutor's evidence package (discovery): one signed ZIP with everything about a case's
evidence, which the prosecutor can check without our software.

Layout of the ZIP:

    evidence/<item>-<name given>   each evidence file, byte for byte as collected
    custody/item-<item>-chain-of-custody.pdf   each item's chain of custody (release included)
    receipts/<receipt>.pdf         the evidence receipt of each collected footage request
    README.txt                     what is in it and how to check it with openssl or Python
    manifest.json                  every file's size and SHA-256, and per item its collector,
                                   collection time, recorder clock offset and custody entries
    manifest.json.sig              raw Ed25519 signature of manifest.json's exact bytes
    public-key.pem                 the registry's public key (the audit checkpoints' key)

Every file but the last three is listed in the manifest, so a changed, removed or added file,
a changed manifest and a signature by another key are all found by `verify`.
A package is built into a temporary file next to its destination; only when it is complete
are the custody entries ("released: discovery package to …") and the audit events written, in
one transaction, and the file moved into place: a half-done package leaves nothing behind.
"""
import hashlib
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from backoffice import audit, scoping
from backoffice.errors import InvalidInputError, NotFoundError
from backoffice.evidence_files import CHUNK, file_sha256, stored_path
from backoffice.security import security_manager
from backoffice.security.roles import PACKAGE_EVIDENCE
from backoffice.extensions import db
from backoffice.localtime import county_zone, to_local, utcnow
from backoffice.models import Agency, Case, CustodyEvent, EvidenceItem, FootageRequest
from backoffice.signing import (
    SignatureInvalid,
    key_id,
    public_key_pem,
    sign_bytes,
    signing_key,
    verify_bytes,
)
from reports.custody import render_custody_pdf

from .documents import clock_offset, custody_data, person, stamp
from .effects import receipt_file_name, receipt_pdf
from .errors import InvalidInput, TransitionRefused, TriggerForbidden
from .evidence import EvidenceChanged
from .transaction import begin_command, command

KIND = "discovery-package"
FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
PUBLIC_KEY = "public-key.pem"
README = "README.txt"
UNLISTED = (MANIFEST, SIGNATURE, PUBLIC_KEY)  # the manifest cannot list itself or its signature
MAX_RECIPIENT = 200
RELEASED = "released"
# Characters Windows refuses in file names: replaced in the ZIP's names (the manifest keeps
# the name as given), so the package unpacks anywhere.
_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*\\/]')


class CaseNotFound(NotFoundError):
    """No case with that number the user may see."""


class PackageUnreadable(InvalidInputError):
    """The file to verify is missing, unreadable or not a ZIP."""


@dataclass
class Package:
    """A written package."""

    path: Path
    case_number: str
    item_ids: list[int]
    sha256: str
    size: int


@dataclass
class Verification:
    """What checking a package found: `problems` is empty when it is intact and genuine."""

    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def may_package(user) -> bool:
    """Whoever holds the package permission (Supervisors; Admin) exports packages; `None` is
    the command line (the county's administrators)."""
    if user is None:
        return True
    return security_manager().may(user, PACKAGE_EVIDENCE)


def find_case(case_number: str, user, agency_ori: str | None = None) -> Case:
    """The case with this number that the user's agency may see (all agencies' for the command
    line); CaseNotFound, or InvalidInput when the number is used by several agencies."""
    number = (case_number or "").strip()
    query = select(Case).where(Case.case_number == number)
    if agency_ori:
        ori = agency_ori.strip().upper()  # ORIs are kept in capitals; people type either
        if db.session.scalar(select(Agency.id).where(Agency.ori == ori)) is None:
            raise InvalidInput(f"No agency has the ORI {ori}.", field="agency")
        query = query.join(Agency, Agency.id == Case.agency_id).where(Agency.ori == ori)
    if user is not None:
        query = scoping.scope_to_agency(query, Case, user)
    cases = list(db.session.scalars(query.order_by(Case.id)))
    if not cases:
        raise CaseNotFound(f"Case {number or '(none given)'} was not found.")
    if len(cases) > 1:
        oris = ", ".join(sorted(case.agency.ori for case in cases))
        raise InvalidInput(f"Case number {number} is used by {len(cases)} agencies ({oris}): "
                           "name the agency by its ORI.", field="agency")
    return cases[0]


def _recipient(text) -> str:
    recipient = " ".join(str(text or "").split())
    if not recipient:
        raise InvalidInput("Say whom the package is for (the prosecutor and office).", field="recipient")
    if len(recipient) > MAX_RECIPIENT:
        raise InvalidInput(f"Whom the package is for: at most {MAX_RECIPIENT} characters.", field="recipient")
    return recipient


def _case_items(case: Case) -> list[EvidenceItem]:
    """The case's evidence items that still have a stored copy (items disposed of under the
    retention policy, workflows.disposition, have none and are not packaged)."""
    return list(db.session.scalars(
        select(EvidenceItem)
        .join(FootageRequest, FootageRequest.id == EvidenceItem.footage_request_id)
        .where(FootageRequest.case_id == case.id, EvidenceItem.disposed_at.is_(None))
        .order_by(EvidenceItem.id)
    ))


def evidence_name(item: EvidenceItem) -> str:
    """The item's path in the ZIP: its number (unique) and the name it was given."""
    return f"evidence/{item.id}-{_WINDOWS_UNSAFE.sub('_', item.file_name)}"


def custody_name(item: EvidenceItem) -> str:
    return f"custody/item-{item.id}-chain-of-custody.pdf"


def _instant(value: datetime | None) -> str | None:
    """ISO 8601 in county time with its offset, to the second."""
    return to_local(value).isoformat(timespec="seconds") if value is not None else None


class _Writer:
    """Adds files to the ZIP and remembers each one's size and SHA-256 for the manifest."""

    def __init__(self, handle: BinaryIO, now: datetime):
        self.zip = zipfile.ZipFile(handle, "w", allowZip64=True)
        self.date_time = to_local(now).timetuple()[:6]
        self.files: list[dict[str, Any]] = []

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o444 << 16  # read-only when unpacked
        return info

    def add_bytes(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.zip.writestr(self._info(name, True), data)
        if listed:
            self.files.append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})

    def add_file(self, name: str, path: Path) -> tuple[int, str]:
        """Copy a file in (not compressed: footage does not shrink), hashing what was copied."""
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as source, self.zip.open(self._info(name, False), "w", force_zip64=True) as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        self.files.append({"path": name, "size": size, "sha256": digest.hexdigest()})
        return size, digest.hexdigest()


def _temp_beside(out: Path) -> Path:
    """A new empty file in the destination's folder (so the final move is atomic); InvalidInput
    naming the path when it cannot be written there."""
    if out.is_dir():
        raise InvalidInput(f"{out}: a folder, not a file name.", field="out")
    try:
        descriptor, name = tempfile.mkstemp(prefix=".discovery-", suffix=".part", dir=out.parent)
    except OSError as error:
        raise InvalidInput(f"cannot write {out}: {error.strerror or error}", field="out") from None
    os.close(descriptor)
    return Path(name)


def build(case_number: str, user, recipient: str, out_path: str | os.PathLike, *,
          agency_ori: str | None = None) -> Package:
    """Write the case's signed evidence package to out_path, then record in one transaction a
    custody entry "released: discovery package to <recipient>" on every item and the audit
    events; commits. Refuses (and leaves nothing) when the user is not a supervisor, the case
    is not the user's agency's, it has no evidence, or a stored copy is missing or changed."""
    recipient = _recipient(recipient)
    case = find_case(case_number, user, agency_ori)
    if not may_package(user):
        raise TriggerForbidden("Only supervisors export the prosecutor's evidence package.")
    items = _case_items(case)
    if not items:
        raise TransitionRefused(f"Case {case.case_number} has no evidence items to package yet.")
    out = Path(out_path)
    temp = _temp_beside(out)
    now = utcnow()
    note = f"discovery package to {recipient}"
    if user is None:
        note += " (exported on the command line)"
    moved = False
    try:
        with temp.open("wb") as handle:
            manifest = _write(handle, case, items, user, recipient, note, now)
        package_sha256 = file_sha256(temp)
        begin_command()
        _record_release(case, items, user, recipient, note, now, package_sha256, manifest)
        os.replace(temp, out)
        moved = True
        db.session.commit()
    except BaseException as error:
        db.session.rollback()
        temp.unlink(missing_ok=True)
        if moved:
            out.unlink(missing_ok=True)
        if isinstance(error, _NotAsCollected):
            _record_fixity_failure(error, user, case.case_number)
        raise
    return Package(out, case.case_number, [item.id for item in items], package_sha256, out.stat().st_size)


def _disposed_entries(case: Case) -> list[dict[str, Any]]:
    disposed = db.session.scalars(
        select(EvidenceItem)
        .join(FootageRequest, FootageRequest.id == EvidenceItem.footage_request_id)
        .where(FootageRequest.case_id == case.id, EvidenceItem.disposed_at.is_not(None))
        .order_by(EvidenceItem.id))
    return [{"evidence_item": item.id, "file_name": item.file_name, "sha256": item.sha256,
             "disposed_at": _instant(item.disposed_at), "disposed_at_county_time": stamp(item.disposed_at),
             "reason": item.disposal_reason} for item in disposed]


def _write(handle: BinaryIO, case: Case, items: list[EvidenceItem], user, recipient: str, note: str,
           now: datetime) -> dict[str, Any]:
    """Fill the ZIP; returns the manifest. EvidenceChanged when a stored copy is not as collected."""
    key = signing_key().public_key()
    release = {"at": stamp(now), "action": RELEASED, "actor": person(user), "note": note}
    writer = _Writer(handle, now)
    with writer.zip:
        writer.add_bytes(README, _readme(case, recipient, now, key).encode("utf-8"))
        entries = []
        for item in items:
            path = stored_path(item.storage_location)
            if not path.is_file():
                raise _NotAsCollected(item, None, f"The stored copy of evidence item {item.id} is missing, "
                                      "so no package was made: tell the evidence custodian.")
            size, sha256 = writer.add_file(evidence_name(item), path)
            if sha256 != item.sha256 or size != item.size_bytes:
                raise _NotAsCollected(item, sha256, f"The stored copy of evidence item {item.id} no longer "
                                      "matches the SHA-256 recorded when it was collected, so no package was "
                                      "made: tell the evidence custodian.")
            report = custody_data(item)
            report["events"].append(release)
            writer.add_bytes(custody_name(item), render_custody_pdf(report))
            entries.append(_item_entry(item, now, user, note))
        for request in sorted({item.footage_request for item in items}, key=lambda r: r.id):
            if request.receipt_issued_at is not None:
                writer.add_bytes(f"receipts/{receipt_file_name(request)}", receipt_pdf(request))
        manifest = {
            "kind": KIND,
            "format": FORMAT,
            "case": {"case_number": case.case_number, "incident_type": case.incident_type,
                     "agency": case.agency.name, "agency_ori": case.agency.ori},
            "created_at": _instant(now),
            "created_at_county_time": stamp(now),
            "time_zone": county_zone().key,
            "created_by": person(user) if user is not None else "the county's administrators (command line)",
            "recipient": recipient,
            "key_id": key_id(key),
            "files": writer.files,
            "items": entries,
            # Items of the case whose stored copy was disposed of under the retention policy
            # (workflows.disposition): named, with when and why, since their files are absent.
            "disposed_items": _disposed_entries(case),
        }
        data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        writer.add_bytes(MANIFEST, data, listed=False)
        writer.add_bytes(SIGNATURE, sign_bytes(data), listed=False)
        writer.add_bytes(PUBLIC_KEY, public_key_pem(key).encode("ascii"), listed=False)
    return manifest


class _NotAsCollected(EvidenceChanged):
    """A stored copy is missing (`found` None) or not the bytes collected."""

    def __init__(self, item: EvidenceItem, found: str | None, message: str):
        super().__init__(message)
        self.item_id, self.expected, self.found = item.id, item.sha256, found


def _record_fixity_failure(error: _NotAsCollected, user, case_number: str) -> None:
    """Audit the copy that stopped a package (as a refused download is), in its own transaction."""
    with command():
        audit.record("evidence_item.fixity_failed", user=user, object_type="evidence_item",
                     object_id=error.item_id, purpose=case_number,
                     detail={"sha256": error.expected, "found": error.found or "missing",
                             "during": "discovery package"})


def _item_entry(item: EvidenceItem, now: datetime, user, note: str) -> dict[str, Any]:
    custody = [{"at": _instant(event.at), "action": event.action, "by": person(event.actor) if event.actor else None,
                "note": event.note} for event in sorted(item.custody_log, key=lambda e: (e.at, e.id))]
    custody.append({"at": _instant(now), "action": RELEASED, "by": person(user) if user else None, "note": note})
    return {
        "evidence_item": item.id,
        "footage_request": item.footage_request_id,
        "file": evidence_name(item),
        "file_name_given": item.file_name,
        "description": item.description,
        "size": item.size_bytes,
        "sha256": item.sha256,
        "collected_by": person(item.collected_by) if item.collected_by else "uploaded by the owner",
        "collected_at": _instant(item.collected_at),
        "collected_at_county_time": stamp(item.collected_at),
        "clock_offset_s": item.clock_offset_s,
        "clock_offset": clock_offset(item.clock_offset_s),
        "custody_report": custody_name(item),
        "custody": custody,
    }


def _record_release(case: Case, items: list[EvidenceItem], user, recipient: str, note: str, now: datetime,
                    package_sha256: str, manifest: dict[str, Any]) -> None:
    """The custody entries and audit events of one export, in the caller's transaction."""
    for item in items:
        db.session.add(CustodyEvent(evidence_item_id=item.id, action=RELEASED, actor_id=getattr(user, "id", None),
                                    at=now, note=note))
        audit.record(f"evidence_item.{RELEASED}", user=user, object_type="evidence_item", object_id=item.id,
                     purpose=case.case_number, detail={"note": note})
    db.session.flush()
    audit.record(
        "case.discovery_package",
        user=user,
        object_type="case",
        object_id=case.id,
        purpose=case.case_number,
        detail={"recipient": recipient, "evidence_items": [item.id for item in items],
                "package_sha256": package_sha256, "key_id": manifest["key_id"],
                "files": len(manifest["files"])},
    )


def _readme(case: Case, recipient: str, now: datetime, key: Ed25519PublicKey) -> str:
    return README_TEXT.format(
        case=case.case_number, agency=case.agency.name, when=stamp(now), recipient=recipient,
        key_id=key_id(key), manifest=MANIFEST, signature=SIGNATURE, public_key=PUBLIC_KEY,
    )


README_TEXT = """\
Evidence package of case {case} ({agency})
Made {when} for {recipient}.

WHAT IS IN IT
  evidence/          the evidence files, byte for byte as collected
                     (named <evidence item number>-<file name given at collection>)
  custody/           the chain-of-custody report (PDF) of each evidence item
  receipts/          the evidence receipts given to the camera owners (PDF)
  {manifest}      every file's size and SHA-256; for each evidence item who collected it
                     and when, the recorder's clock offset and its custody entries; under
                     "disposed_items", the case's items whose stored copy was disposed of
                     under the retention policy (when and why): their files are not here
  {signature}  the Ed25519 signature (64 bytes) of {manifest}, exactly as it is
  {public_key}     the registry's public key, fingerprint {key_id}

Times in {manifest} are ISO 8601 with their offset from UTC, in the county's local time;
the reports show county time with the zone's name.

HOW TO CHECK IT (no software of the registry needed)
1. Get the registry's public key from the registry itself, not only from this package: whoever
   could alter the package could replace its key too. Its fingerprint (the first 16 hex digits
   of the SHA-256 of the key's 32 raw bytes) must be {key_id}.
2. Check the signature of the manifest, with OpenSSL 3.0 or later:
     openssl pkeyutl -verify -pubin -inkey {public_key} -rawin -in {manifest} -sigfile {signature}
   It must say "Signature Verified Successfully".
3. Check every file: each file listed under "files" in {manifest} must be present with that
   size and SHA-256 (sha256sum on Linux, shasum -a 256 on macOS, certutil -hashfile FILE SHA256
   on Windows), and no other file may be in the package besides {manifest},
   {signature} and {public_key}.

Steps 2 and 3 in Python (pip install cryptography), run in the unpacked folder:

  import hashlib, json, os
  from cryptography.hazmat.primitives.serialization import load_pem_public_key
  key = load_pem_public_key(open("{public_key}", "rb").read())
  data = open("{manifest}", "rb").read()
  key.verify(open("{signature}", "rb").read(), data)  # raises InvalidSignature if altered
  listed = {{f["path"]: f for f in json.loads(data)["files"]}}
  for path, f in listed.items():
      body = open(path, "rb").read()
      assert len(body) == f["size"] and hashlib.sha256(body).hexdigest() == f["sha256"], path
  found = {{os.path.relpath(os.path.join(d, n)).replace(os.sep, "/")
           for d, _, names in os.walk(".") for n in names}}
  assert found - set(listed) <= {{"{manifest}", "{signature}", "{public_key}"}}, found - set(listed)
  print("package intact and signed by", "{key_id}")
"""


def verify(path: str | os.PathLike, public_key: Ed25519PublicKey | None = None) -> Verification:
    """Check a package offline: the manifest's signature (with `public_key`, default the
    registry's own), and every file against it, no file missing or added. PackageUnreadable
    when the file cannot be opened as a ZIP."""
    key = public_key or signing_key().public_key()
    result = Verification()
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageUnreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PackageUnreadable(f"{path}: a folder, not a file") from None
    except PermissionError:
        raise PackageUnreadable(f"{path}: not readable (permission denied)") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageUnreadable(f"{path}: not a ZIP file (not an evidence package)") from None
    with archive:
        names = archive.namelist()
        present = set(names)
        for name in sorted({n for n in names if names.count(n) > 1}):
            result.problems.append(f"added: {name} is in the package more than once")
        for name in (MANIFEST, SIGNATURE):
            if name not in present:
                result.problems.append(f"removed: {name} is missing")
        if MANIFEST not in present:
            return result
        data = archive.read(MANIFEST)
        try:
            manifest = json.loads(data.decode("utf-8"))
            if manifest.get("kind") != KIND:
                raise ValueError(manifest.get("kind"))
            listed = {str(entry["path"]): entry for entry in manifest["files"]}
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
            manifest = None
        if SIGNATURE in present:
            try:
                verify_bytes(data, archive.read(SIGNATURE), key)
            except SignatureInvalid as error:
                named = manifest.get("key_id") if manifest else None
                hint = f"; the manifest names key {named}" if named and named != key_id(key) else ""
                result.problems.append(f"{MANIFEST}: {error}{hint}")
        if manifest is None:
            result.problems.append(f"{MANIFEST}: not the manifest of an evidence package")
            return result
        result.manifest = manifest
        for name, entry in listed.items():
            if name not in present:
                result.problems.append(f"removed: {name} is listed in the manifest but not in the package")
                continue
            problem = _file_problem(archive, name, entry)
            if problem:
                result.problems.append(f"changed: {name} {problem}")
            result.files_checked += 1
        for name in sorted(present - set(listed) - set(UNLISTED)):
            if not name.endswith("/"):
                result.problems.append(f"added: {name} is not in the manifest")
    return result


def _file_problem(archive: zipfile.ZipFile, name: str, entry: dict[str, Any]) -> str | None:
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        return f"cannot be read ({error})"
    if size != entry.get("size"):
        return f"has {size} bytes, the manifest says {entry.get('size')}"
    if digest.hexdigest() != entry.get("sha256"):
        return "does not match its SHA-256 in the manifest"
    return None


def load_case(case_id: int, user) -> Case:
    """A case of the user's agency by id (the case screen's button), else CaseNotFound."""
    return scoping.scoped_get(Case, case_id, user, lambda: CaseNotFound(f"Case {case_id} was not found."))


def download_name(case: Case, when: datetime | None = None) -> str:
    """The package's file name: the case number and the county date."""
    safe_case = "".join(c if c.isalnum() or c in "-_" else "-" for c in case.case_number)
    return f"evidence-package-{safe_case}-{to_local(when or utcnow()).strftime('%Y%m%d-%H%M')}.zip"

