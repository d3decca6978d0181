"""The worker runs each scheduled job once per slot, even with two workers, picks up slots missed
while it was down, and runs the real commands (here: a signed audit checkpoint)."""
import os
import threading
from datetime import datetime

import pytest
from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.localtime import county_zone
from backoffice.models import JobRun
from backoffice.worker import BY_NAME, JOBS, claim, missed, run_job

ZONE = county_zone()


def _local(*args) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def test_a_slot_is_claimed_once(ctx):
    job = BY_NAME["lapse"]
    assert claim(job, "2031-01-02") is not None
    assert claim(job, "2031-01-02") is None
    assert claim(job, "2031-01-03") is not None


def test_slots_are_county_days_hours_and_weeks():
    at = _local(2026, 11, 30, 23, 30)  # a Monday evening in the county, already Tuesday in UTC
    assert BY_NAME["lapse"].slot(at) == "2026-11-30"
    assert BY_NAME["remind"].slot(at) == "2026-11-30T23"
    assert BY_NAME["evidence-verify"].slot(at) == "2026-W49"


def test_missed_jobs_are_those_whose_time_has_passed_in_their_slot(ctx):
    morning = _local(2031, 1, 7, 7, 10)  # a Tuesday
    assert {job.name for job in missed(morning)} == {
        "remind", "audit-checkpoint", "lapse", "clean-incoming", "send-confirmations",
    }
    claim(BY_NAME["lapse"], "2031-01-07")
    assert "lapse" not in {job.name for job in missed(morning)}
    early = _local(2031, 1, 7, 1, 0)
    assert {job.name for job in missed(early)} == {"audit-checkpoint"}  # 00:15 passed, 01:05 not yet
    sunday = _local(2031, 1, 12, 5, 0)
    assert "evidence-verify" in {job.name for job in missed(sunday)}


def test_a_job_due_in_the_missing_hour_of_spring_forward_still_runs_that_day(ctx):
    """On 2031-03-09 02:00-03:00 does not exist in the county: the 02:30 lapse runs that day anyway."""
    after = _local(2031, 3, 9, 5, 0)
    assert "lapse" in {job.name for job in missed(after)}


def test_two_workers_run_a_slot_once(app):
    job = BY_NAME["clean-incoming"]
    slot = "2031-02-01"
    results = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(claim(job, slot) is not None)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        db.session.execute(delete(JobRun).where(JobRun.slot == slot))
        db.session.commit()
        db.session.remove()
    assert sorted(results) == [False, True]


@pytest.fixture()
def child_env(app, tmp_path):
    """The environment a worker passes to its commands, pointed at the test database."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVIDENCE_DIR": app.config["EVIDENCE_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "AUDIT_HMAC_KEY_FILE": app.config["AUDIT_HMAC_KEY_FILE"],
        "AUDIT_SIGNING_KEY_FILE": app.config["AUDIT_SIGNING_KEY_FILE"],
        "AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
        "MFA_REQUIRED": "0",
        "RATELIMIT_ENABLED": "0",
    }


def test_the_checkpoint_job_writes_a_signed_checkpoint_and_keeps_its_outcome(app, child_env, tmp_path):
    from backoffice.checkpoints import Checkpoint

    at = _local(2031, 4, 1, 0, 20)
    with app.app_context():
        try:
            run = run_job(BY_NAME["audit-checkpoint"], at, env=child_env)
            assert run is not None and run.exit_code == 0, run.output
            assert "checkpoint of" in run.output and run.finished_at is not None
            (path,) = (tmp_path / "checkpoints").glob("checkpoint-*.json")
            with app.test_request_context():
                assert Checkpoint.load(path).count > 0
            assert run_job(BY_NAME["audit-checkpoint"], at, env=child_env) is None  # once per slot
        finally:
            db.session.execute(delete(JobRun).where(JobRun.slot == "2031-04-01"))
            db.session.commit()
            db.session.remove()


def test_warnings_on_standard_error_do_not_hide_what_a_job_reported(child_env):
    """A job that succeeds keeps its own report even when the interpreter or a library wrote
    more lines to standard error than a run keeps (here: Python's own complaint about each of
    six warning filters it cannot read)."""
    from backoffice.worker import OUTPUT_LINES, Job, run_command

    noisy = dict(child_env, PYTHONWARNINGS=",".join(f"ignore::NoSuch{n}" for n in range(OUTPUT_LINES + 1)))
    job = Job(name="version", title="Version", command=("--version",), cron={}, slot=str)
    code, said = run_command(job, env=noisy)
    assert code == 0
    assert "Flask" in said and "NoSuch" not in said


def test_a_failing_job_keeps_its_exit_code_and_message(app, child_env, tmp_path):
    broken = dict(child_env, AUDIT_CHECKPOINT_DIR=str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")
    at = _local(2031, 4, 2, 0, 20)
    with app.app_context():
        try:
            run = run_job(BY_NAME["audit-checkpoint"], at, env=broken)
            assert run.exit_code != 0 and "Error" in run.output
            stored = db.session.scalars(select(JobRun).where(JobRun.slot == "2031-04-02")).one()
            assert stored.exit_code == run.exit_code
        finally:
            db.session.execute(delete(JobRun).where(JobRun.slot == "2031-04-02"))
            db.session.commit()
            db.session.remove()


def test_every_job_names_a_real_command(app):
    commands = {name: group for name, group in app.cli.commands.items()}
    for job in JOBS:
        group, command = job.command
        assert command in commands[group].commands, job


def test_jobs_lists_each_job_with_its_last_run_in_county_time(ctx, runner):
    from backoffice.localtime import utcnow

    claim(BY_NAME["lapse"], "2031-05-01").exit_code = 0
    db.session.commit()
    result = runner.invoke(args=["worker", "jobs"])
    assert result.exit_code == 0
    lapse = next(line for line in result.output.splitlines() if line.startswith("lapse"))
    assert "last run" in lapse and lapse.endswith(": ok")
    assert utcnow().astimezone(ZONE).strftime("%Z") in lapse  # PST or PDT, as on the screens
    assert "never run" in next(line for line in result.output.splitlines() if line.startswith("evidence-verify"))
    assert "daily at 2:30 AM county time" in lapse
    said = result.output
    assert "Sundays at 4:00 AM" in said and "hourly at :05" in said and "=" not in said
