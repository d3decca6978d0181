"""Evidence ingest throughput and memory against `sha256sum`, and warm receipt render time.

Run: `.venv/bin/python -m bench.evidence_ingest [--size-mb 1024]`. It starts the real app on a
local port with a fresh SpatiaLite database in a temporary folder, streams the file to
`POST /api/v1/footage_request/<id>/evidence` over HTTP, and reports MB/s and peak memory.
"""
import argparse
import http.client
import json
import os
import resource
import subprocess
import tempfile
import threading
import time
from pathlib import Path

CHUNK = 1024 * 1024


def make_file(path: Path, size_mb: int) -> None:
    """A file of pseudo-random bytes (not all zeros, so nothing can shortcut the hash)."""
    block = os.urandom(CHUNK)
    with path.open("wb") as out:
        for i in range(size_mb):
            out.write(block[i % 997:] + block[: i % 997])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sha256sum(path: Path) -> tuple[str, float]:
    start = time.perf_counter()
    out = subprocess.run(["sha256sum", str(path)], check=True, capture_output=True, text=True).stdout
    return out.split()[0], time.perf_counter() - start


def stream_upload(port: int, token: str, request_id: int, path: Path) -> tuple[dict, float]:
    """POST the file as multipart, sent in 1 MiB chunks (the client holds one chunk at a time)."""
    boundary = "benchboundary7c1f"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nbench\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.putrequest("POST", f"/api/v1/footage_request/{request_id}/evidence")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(head)
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = json.loads(response.read())
    elapsed = time.perf_counter() - start
    assert response.status == 201, body
    return body, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp_name:
        tmp = Path(tmp_name)
        import config

        os.environ.setdefault("MFA_REQUIRED", "0")
        from flask_migrate import upgrade
        from werkzeug.serving import make_server

        from backoffice import create_app
        from backoffice.extensions import db
        from tests import factories  # the same builders the tests use

        app = create_app(
            {
                "DATABASE_URL": config.sqlite_url(tmp / "bench.db"),
                "EVIDENCE_DIR": str(tmp / "evidence"),
                "MFA_REQUIRED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            app.appbuilder.sm.sync_roles()  # type: ignore[attr-defined]  # FAB sets app.appbuilder
            factories.seed_users(password=factories.PASSWORD)
            request = factories.footage_request(state="consented")
            db.session.commit()
            request_id = request.id

        from bench.canvass import bench_port

        server = make_server("127.0.0.1", bench_port(2), app, threaded=True)
        port = server.server_port
        threading.Thread(target=server.serve_forever, daemon=True).start()
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request(
            "POST", "/api/v1/security/login",
            body=json.dumps({"username": "investigator", "password": factories.PASSWORD, "provider": "db"}),
            headers={"Content-Type": "application/json"},
        )
        token = json.loads(conn.getresponse().read())["access_token"]

        sample = tmp / "footage.bin"
        make_file(sample, args.size_mb)
        reference, reference_s = sha256sum(sample)
        before = peak_rss_mb()
        body, ingest_s = stream_upload(port, token, request_id, sample)
        after = peak_rss_mb()
        assert body["sha256"] == reference, "hash mismatch"
        size_mb = sample.stat().st_size / CHUNK
        print(f"file: {size_mb:.0f} MiB")
        print(f"sha256sum:       {reference_s:6.2f} s  {size_mb / reference_s:7.1f} MiB/s")
        print(f"evidence ingest: {ingest_s:6.2f} s  {size_mb / ingest_s:7.1f} MiB/s (HTTP upload, hash, fsync, rename, commit)")
        print(f"evidence ingest / sha256sum time: {ingest_s / reference_s:.2f} ×")
        print(f"peak memory: {before:.0f} MiB before the upload, {after:.0f} MiB after (+{after - before:.0f} MiB)")

        with app.app_context():
            from backoffice.models import FootageRequest
            from reports.receipt import render_receipt_pdf
            from workflows.documents import receipt_data

            with app.test_request_context():
                data = receipt_data(db.session.get(FootageRequest, request_id))
                render_receipt_pdf(data)  # warm up fonts and caches
                runs = 10
                start = time.perf_counter()
                for _ in range(runs):
                    pdf = render_receipt_pdf(data)
                per = (time.perf_counter() - start) / runs
                same = render_receipt_pdf(data) == pdf
        print(f"receipt render (warm): {per * 1000:.0f} ms, {len(pdf):,} bytes, identical bytes on re-render: {same}")
        server.shutdown()


if __name__ == "__main__":
    main()
