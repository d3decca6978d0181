"""A server killed in the middle of a large upload leaves nothing behind once it starts again:
a real server process, a real HTTP upload cut off by SIGKILL, a real restart."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from backoffice.extensions import db
from backoffice.models import (
    Camera, Case, ContactAttempt, EvidenceItem, FootageRequest, Owner, Registration,
    RequestTransition, footage_request_camera,
)
from tests import factories
from tests.workflows.helpers import request_in

ROOT = Path(__file__).resolve().parents[2]
DECLARED_BYTES = 500 * 1024 * 1024  # what the client announces: a 500 MB recording
SENT_BYTES = 8 * 1024 * 1024  # what arrives before the server dies


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(app, evidence: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVIDENCE_DIR": str(evidence),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "AUDIT_HMAC_KEY_FILE": app.config["AUDIT_HMAC_KEY_FILE"],
        "AUDIT_SIGNING_KEY_FILE": app.config["AUDIT_SIGNING_KEY_FILE"],
        "MFA_REQUIRED": "0",
        "RATELIMIT_ENABLED": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "run", "--no-reload", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            assert server.poll() is None, "the server did not start"
            time.sleep(0.2)
    server.kill()
    pytest.fail("the server did not start listening")


def _token(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": "investigator", "password": factories.PASSWORD, "provider": "db"})
    connection.request("POST", "/api/v1/security/login", body, {"Content-Type": "application/json"})
    return json.loads(connection.getresponse().read())["access_token"]


@pytest.fixture()
def consented_request(app):
    """A committed consented request (the server process must see it), removed afterwards."""
    with app.app_context():
        request = request_in("consented", evidence=False)
        ids = request.id, request.case_id, request.registration_id, request.registration.owner_id
        db.session.remove()
    yield ids[0]
    with app.app_context():
        request_id, case_id, registration_id, owner_id = ids
        for statement in (
            delete(ContactAttempt).where(ContactAttempt.footage_request_id == request_id),
            delete(RequestTransition).where(RequestTransition.footage_request_id == request_id),
            delete(footage_request_camera).where(footage_request_camera.c.footage_request_id == request_id),
            delete(FootageRequest).where(FootageRequest.id == request_id),
            delete(Case).where(Case.id == case_id),
            delete(Camera).where(Camera.registration_id == registration_id),
            delete(Registration).where(Registration.id == registration_id),
            delete(Owner).where(Owner.id == owner_id),
        ):
            db.session.execute(statement)
        db.session.commit()
        db.session.remove()


def test_upload_cut_by_a_killed_server_is_gone_after_restart(app, tmp_path, consented_request):
    evidence = tmp_path / "evidence"
    incoming = evidence / ".incoming"
    port = _free_port()
    server = _start(app, evidence, port)
    try:
        token = _token(port)
        boundary = "----registry-kill-test"
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nlobby camera\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lobby.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        upload = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        upload.putrequest("POST", f"/api/v1/footage_request/{consented_request}/evidence")
        upload.putheader("Authorization", f"Bearer {token}")
        upload.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        upload.putheader("Content-Length", str(len(head) + DECLARED_BYTES))
        upload.endheaders()
        upload.send(head)
        chunk = b"\0" * (1024 * 1024)
        for _ in range(SENT_BYTES // len(chunk)):
            upload.send(chunk)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            parts = list(incoming.glob("*.part"))
            if parts and parts[0].stat().st_size > 0:
                break
            time.sleep(0.1)
        assert parts and parts[0].stat().st_size > 0, "the upload never reached EVIDENCE_DIR"
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        upload.close()
        assert list(incoming.glob("*.part")), "the kill should leave the half-written file"

        server = _start(app, evidence, port)  # start-up sweeps what no live upload holds
        assert list(incoming.glob("*.part")) == []
        assert [p for p in evidence.rglob("*") if p.is_file()] == []
    finally:
        server.kill()
        server.wait(30)
    with app.app_context():
        count = db.session.scalar(
            select(func.count(EvidenceItem.id)).where(EvidenceItem.footage_request_id == consented_request)
        )
        db.session.remove()
    assert count == 0
