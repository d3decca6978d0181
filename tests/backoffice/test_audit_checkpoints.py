"""What a database superuser (or someone holding the chain key) can do to the audit log, and how
the keyed chain and the signed checkpoints catch it: `flask audit verify [--checkpoint FILE]`,
`flask audit checkpoint [--out FILE]`, `flask audit public-key`."""
import hashlib
import json
import threading
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from backoffice.audit import GENESIS, canonical_event, event_hash, record, walk_chain
from backoffice.extensions import db
from backoffice.models import AuditEvent
from tests.backoffice.test_audit_chain import _drop_append_only_guards


@pytest.fixture()
def checkpoint_dir(ctx, tmp_path):
    """AUDIT_CHECKPOINT_DIR for this test only (the rolled-back chain must not outlive it)."""
    saved = ctx.config["AUDIT_CHECKPOINT_DIR"]
    ctx.config["AUDIT_CHECKPOINT_DIR"] = str(tmp_path / "checkpoints")
    yield tmp_path / "checkpoints"
    ctx.config["AUDIT_CHECKPOINT_DIR"] = saved


def _events(n: int = 3) -> list[int]:
    ids = [record("test_event", object_type="case", object_id=i, detail={"n": i}).id for i in range(n)]
    db.session.commit()
    return ids


def _cli(runner, *args):
    db.session.expire_all()
    return runner.invoke(args=["audit", *args])


def _checkpoint(runner, tmp_path, name="cp.json"):
    out = tmp_path / name
    result = _cli(runner, "checkpoint", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def _chain() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def _rewrite(events, hasher, start=0) -> None:
    """Re-chain events[start:] as a superuser would, with `hasher`, and fix the head to match."""
    previous = events[start - 1].hash if start else GENESIS
    for event in events[start:]:
        event.prev_hash = previous
        new_hash = hasher(event)
        db.session.execute(
            text("UPDATE audit_event SET prev_hash = :p, hash = :h, detail = :d WHERE id = :id"),
            {"p": previous, "h": new_hash, "d": event.detail, "id": event.id},
        )
        previous = new_hash
    _fix_head(events[-1].id, previous, len(events))


def _fix_head(last_id, last_hash, count) -> None:
    db.session.execute(
        text("UPDATE audit_head SET last_event_id = :i, last_hash = :h, count = :c WHERE id = 1"),
        {"i": last_id, "h": last_hash, "c": count},
    )


def _plain_sha256(event) -> str:
    return hashlib.sha256(canonical_event(event)).hexdigest()


def test_superuser_recomputing_the_chain_without_the_key_is_caught(runner):
    _events()
    events = _chain()
    _drop_append_only_guards()
    db.session.expunge_all()
    events[1].detail = '{"n": 99}'
    _rewrite(events, _plain_sha256)
    result = _cli(runner, "verify")
    assert result.exit_code != 0
    assert f"event {events[0].id}: contents do not match its hash" in result.output


def test_superuser_appending_a_forged_event_and_fixing_the_head_is_caught(runner):
    _events()
    events = _chain()
    forged = AuditEvent(id=events[-1].id + 1, at=events[-1].at, action="login", prev_hash=events[-1].hash)
    forged.hash = _plain_sha256(forged)
    db.session.execute(
        text("INSERT INTO audit_event (id, at, action, prev_hash, hash) VALUES (:id, :at, :a, :p, :h)"),
        {"id": forged.id, "at": forged.at, "a": "login", "p": forged.prev_hash, "h": forged.hash},
    )
    _fix_head(forged.id, forged.hash, len(events) + 1)
    result = _cli(runner, "verify")
    assert result.exit_code != 0
    assert f"event {forged.id}: contents do not match its hash" in result.output


def test_cut_tail_with_the_head_fixed_is_caught_by_a_checkpoint(runner, tmp_path, checkpoint_dir):
    ids = _events()
    checkpoint = _checkpoint(runner, tmp_path)
    events = _chain()
    _drop_append_only_guards()
    db.session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[1]})
    _fix_head(ids[0], events[-3].hash, len(events) - 2)
    assert _cli(runner, "verify").exit_code == 0  # the chain alone cannot tell
    result = _cli(runner, "verify", "--checkpoint", str(checkpoint))
    assert result.exit_code != 0
    assert "truncated: the chain ends at event" in result.output
    assert f"up to event {ids[-1]}" in result.output
    assert str(checkpoint) in result.output


def test_history_rewritten_with_the_key_is_caught_by_a_checkpoint(runner, tmp_path, checkpoint_dir):
    """Even someone holding the chain key cannot rewrite what a checkpoint has signed."""
    ids = _events()
    checkpoint = _checkpoint(runner, tmp_path)
    _events(2)
    events = _chain()
    _drop_append_only_guards()
    db.session.expunge_all()
    position = [e.id for e in events].index(ids[1])
    events[position].detail = '{"n": 99}'
    _rewrite(events, event_hash, start=position)
    assert _cli(runner, "verify").exit_code == 0
    result = _cli(runner, "verify", "--checkpoint", str(checkpoint))
    assert result.exit_code != 0
    assert f"rewritten: event {ids[-1]} no longer has the hash" in result.output


def test_fork_from_an_earlier_event_is_caught_by_a_checkpoint(runner, tmp_path, checkpoint_dir):
    ids = _events(4)
    checkpoint = _checkpoint(runner, tmp_path)
    _drop_append_only_guards()
    db.session.execute(text("DELETE FROM audit_event WHERE id > :id"), {"id": ids[1]})
    kept = _chain()
    _fix_head(kept[-1].id, kept[-1].hash, len(kept))
    db.session.expunge_all()
    _events(3)  # a new tail written with the key: as long as the old one, but another history
    assert _cli(runner, "verify").exit_code == 0
    result = _cli(runner, "verify", "--checkpoint", str(checkpoint))
    assert result.exit_code != 0
    assert f"rewritten: event {ids[-1]}" in result.output


def test_intact_chain_extends_its_checkpoints(runner, tmp_path, checkpoint_dir):
    _events()
    first = _checkpoint(runner, tmp_path, "a.json")
    _events(2)
    second = _checkpoint(runner, tmp_path, "b.json")
    _events(1)
    result = _cli(runner, "verify", "--checkpoint", str(first), "--checkpoint", str(second))
    assert result.exit_code == 0, result.output
    assert "extends 2 checkpoints" in result.output


def test_checkpoint_states_count_hash_and_local_time(runner, tmp_path, checkpoint_dir):
    _events()
    walk = walk_chain()
    document = json.loads(_checkpoint(runner, tmp_path).read_text())
    statement = document["statement"]
    assert (statement["count"], statement["last_event_id"], statement["last_hash"]) == (
        walk.count, walk.last_event_id, walk.last_hash
    )
    assert statement["taken_at"][-6:] in ("-08:00", "-07:00")  # county time with its offset
    assert len(document["key_id"]) == 16 and document["signature"]


def test_altered_checkpoint_is_not_genuine(runner, tmp_path, checkpoint_dir):
    _events()
    path = _checkpoint(runner, tmp_path)
    document = json.loads(path.read_text())
    document["statement"]["count"] -= 1
    path.write_text(json.dumps(document))
    result = _cli(runner, "verify", "--checkpoint", str(path))
    assert result.exit_code != 0
    assert "not a genuine checkpoint" in result.output


def test_checkpoint_from_another_key_is_refused_and_public_key_option_checks(
    runner, tmp_path, checkpoint_dir, ctx
):
    _events()
    path = _checkpoint(runner, tmp_path)
    ours = tmp_path / "ours.pem"
    assert _cli(runner, "public-key", "--out", str(ours)).exit_code == 0
    assert "BEGIN PUBLIC KEY" in ours.read_text()
    assert _cli(runner, "verify", "--checkpoint", str(path), "--public-key", str(ours)).exit_code == 0
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    result = _cli(runner, "verify", "--checkpoint", str(path), "--public-key", str(other))
    assert result.exit_code != 0
    assert "not a genuine checkpoint" in result.output


@pytest.mark.parametrize("content", ["", "{not json", "[]", '{"statement": {}, "signature": "x"}'])
def test_unreadable_checkpoint_is_one_line(runner, tmp_path, checkpoint_dir, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = _cli(runner, "verify", "--checkpoint", str(path))
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert str(path) in result.output


def test_missing_checkpoint_file_and_unwritable_out_are_one_line(runner, tmp_path, checkpoint_dir):
    missing = _cli(runner, "verify", "--checkpoint", str(tmp_path / "nowhere.json"))
    assert missing.exit_code != 0 and len(missing.output.strip().splitlines()) == 1
    unwritable = _cli(runner, "checkpoint", "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert unwritable.exit_code != 0 and len(unwritable.output.strip().splitlines()) == 1


def test_stored_checkpoints_are_checked_and_never_launder_a_cut(runner, checkpoint_dir):
    ids = _events()
    result = _cli(runner, "checkpoint")
    assert result.exit_code == 0, result.output
    (stored,) = checkpoint_dir.glob("checkpoint-*.json")
    assert str(stored) in result.output
    assert "extends 1 checkpoint" in _cli(runner, "verify").output
    events = _chain()
    _drop_append_only_guards()
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[-1]})
    _fix_head(events[-2].id, events[-2].hash, len(events) - 1)
    plain = _cli(runner, "verify")
    assert plain.exit_code != 0 and "truncated" in plain.output
    refused = _cli(runner, "checkpoint")
    assert refused.exit_code != 0 and "not signing" in refused.output
    assert len(list(checkpoint_dir.glob("checkpoint-*.json"))) == 1


def test_key_lives_outside_the_database(ctx):
    """The chain key is in the key file, and nowhere in the database's audit tables."""
    from pathlib import Path

    _events(1)
    key = Path(ctx.config["AUDIT_HMAC_KEY_FILE"]).read_bytes().strip()
    assert len(key) >= 32
    rows = db.session.execute(text("SELECT * FROM audit_event")).all()
    rows += db.session.execute(text("SELECT * FROM audit_head")).all()
    assert not any(key.decode() in str(value) for row in rows for value in row)


def test_verify_never_false_alarms_while_events_are_written(app):
    """A snapshot read: writers commit events the whole time verify walks (both databases)."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer():
        with app.app_context():
            try:
                while not stop.is_set():
                    record("test_concurrent_write", detail={"t": time.monotonic()})
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        with app.app_context():
            for _ in range(10):
                walk = walk_chain()
                assert walk.problems == []
                db.session.commit()
            db.session.remove()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []


def test_checkpoint_screen_names_a_cut_tail_to_auditors_only(client, runner, checkpoint_dir):
    from tests.auth import login

    ids = _events()
    assert _cli(runner, "checkpoint").exit_code == 0
    events = _chain()
    _drop_append_only_guards()
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[-1]})
    _fix_head(events[-2].id, events[-2].hash, len(events) - 1)
    login(client, "investigator")
    assert client.get("/audit/checkpoints/").status_code in (302, 403)
    client.get("/logout/")
    login(client, "auditor")
    listed = client.get("/audit/checkpoints/").get_data(as_text=True)
    assert "Genuine signature" in listed and "truncated" not in listed
    checked = client.get("/audit/checkpoints/?check=1").get_data(as_text=True)
    assert "no longer extends every checkpoint" in checked
    # the sign-ins since were appended after the cut: the chain now forks from the checkpoint
    assert f"rewritten: event {ids[-1]} no longer has the hash" in checked
    assert client.get("/audit/checkpoints/file/..%2Fsecret").status_code == 404


def test_a_break_after_a_checkpoint_leaves_it_intact_and_the_check_is_audited(client, runner, checkpoint_dir):
    from tests.auth import login

    _events(2)
    assert _cli(runner, "checkpoint").exit_code == 0
    ids = _events(2)
    _drop_append_only_guards()
    db.session.execute(text("UPDATE audit_event SET detail = '{\"n\": 99}' WHERE id = :id"), {"id": ids[-1]})
    login(client, "auditor")
    checked = client.get("/audit/checkpoints/?check=1").get_data(as_text=True)
    assert f"The audit log is broken: event {ids[-1]}: contents do not match its hash" in checked
    assert "intact up to it and broken after it" in checked
    db.session.expire_all()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit_checkpoints_checked").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.username == "auditor"


@pytest.mark.parametrize("make, words", [
    (lambda p: None, "no such file"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: p.write_bytes(b"\xff\xfe\x00binary"), "not a checkpoint file (not JSON text)"),
])
def test_checkpoint_file_problems_are_said_in_words(runner, tmp_path, checkpoint_dir, make, words):
    path = tmp_path / "cp.json"
    make(path)
    result = _cli(runner, "verify", "--checkpoint", str(path))
    assert result.exit_code != 0
    assert words in result.output and str(path) in result.output and "Traceback" not in result.output


def test_a_public_key_file_that_is_not_one_is_said_in_words(runner, tmp_path, checkpoint_dir):
    _events(1)
    path = _checkpoint(runner, tmp_path)
    wrong = tmp_path / "key.pem"
    wrong.write_text("hello")
    result = _cli(runner, "verify", "--checkpoint", str(path), "--public-key", str(wrong))
    assert result.exit_code != 0 and "not an Ed25519 public key in PEM form" in result.output
    missing = _cli(runner, "verify", "--public-key", str(tmp_path / "none.pem"))
    assert missing.exit_code != 0 and "no such file" in missing.output
