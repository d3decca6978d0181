"""Shared benchmark plumbing: an app on a throwaway database, timing and reporting."""
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import config
from backoffice import create_app
from backoffice.extensions import db


def bench_app(database_url: str | None = None):
    """A migrated app on DATABASE_URL or a fresh SpatiaLite file, with the demo accounts."""
    from flask_migrate import upgrade

    from backoffice.accounts import ensure_demo_accounts

    url = database_url or config.sqlite_url(Path(tempfile.mkdtemp()) / "bench.db")
    app = create_app({"DATABASE_URL": url, "MFA_REQUIRED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        ensure_demo_accounts(app.config["DEMO_PASSWORD"])
        db.session.commit()
    return app


def sample(fn: Callable[[], object], runs: int, warmup: int = 5) -> list[float]:
    """Wall-clock seconds of each of `runs` calls, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def p50(times: list[float]) -> float:
    """Median."""
    return statistics.median(times)


def p95(times: list[float]) -> float:
    """95th percentile."""
    return statistics.quantiles(times, n=20)[-1]


def report(rows: list[tuple[str, list[float]]], baseline: str) -> None:
    """Print p50/p95 in ms and each row's p50 as a ratio of the baseline's p50."""
    base = p50(dict(rows)[baseline])
    print(f"{'measure':48} {'p50 ms':>9} {'p95 ms':>9} {'x ' + baseline:>24}")
    for name, times in rows:
        print(f"{name:48} {p50(times) * 1e3:9.3f} {p95(times) * 1e3:9.3f} {p50(times) / base:24.2f}")
