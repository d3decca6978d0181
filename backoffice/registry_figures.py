"""Registry Staff's figures: the work waiting, what will lapse, growth, and where cameras are.

Counts of waiting work use the rules of the lists they link to (backoffice.worklists, the
review queue of backoffice.portal.records), so the dashboard and the lists agree. Months are
county-time calendar months ("2026-03"); days are county dates.

Coverage: the county is cut into square cells of COVERAGE_CELL_DEG degrees (0.05°, about
5.5 km north–south and 4.5 km east–west at 35° N) and each cell counts the cameras of active
registrations in it, summed from the map's stored summary (camera_map_cell, kept current by
the database in every transaction that changes a camera or a registration's status). Cells
that touch the county outline (COUNTY_OUTLINE) and hold no camera are the areas to recruit in.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from shapely.geometry import box, shape
from shapely.ops import unary_union
from shapely.prepared import prep
from sqlalchemy import func, select, text

from .extensions import db
from .localtime import county_today, to_local
from .map_context import county_outline
from .models import Camera, Registration
from .portal.records import review_queue
from .spatial import SUMMARY_CELL_DEG
from .worklists import confirmation_due, confirmation_overdue

COVERAGE_CELL_DEG = 0.05
MONTHS_SHOWN = 24
LAPSE_FORECAST_DAYS = 30


@dataclass
class RegistryFigures:
    """Everything the Registry Staff dashboard shows.

    `lapsing` maps each county date of the next LAPSE_FORECAST_DAYS to the number of active
    registrations that lapse that day unless their owner confirms; `per_month` maps a month
    to (registrations, cameras) registered in it; `coverage` is a GeoJSON FeatureCollection
    of cells with a `cameras` property.
    """

    review_queue: int
    confirmations_due: int
    confirmations_overdue: int
    lapsing: dict[date, int]
    per_month: dict[str, tuple[int, int]]
    coverage: dict[str, Any]
    cells_without_cameras: int
    today: date


def _count(condition) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(condition)) or 0


def _months(today: date) -> list[str]:
    """The last MONTHS_SHOWN county months, oldest first ("2026-03")."""
    year, month = today.year, today.month
    months = []
    for _ in range(MONTHS_SHOWN):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _per_month(today: date) -> dict[str, tuple[int, int]]:
    months = _months(today)
    since = datetime.fromisoformat(f"{months[0]}-01") - timedelta(days=1)  # a day's margin
    registered = func.coalesce(Registration.registered_at, Registration.created_at)
    regs = Counter(
        to_local(at).strftime("%Y-%m")
        for at in db.session.scalars(select(registered).where(registered >= since))
    )
    cams = Counter(
        to_local(at).strftime("%Y-%m")
        for at in db.session.scalars(
            select(Camera.created_at).where(Camera.created_at >= since)
        )
    )
    return {month: (regs.get(month, 0), cams.get(month, 0)) for month in months}


def _lapsing(today: date) -> dict[date, int]:
    """Active registrations lapse LAPSE_AFTER_DAYS after their confirmation was due (the
    nightly job of backoffice.portal.jobs); per county date of the coming days."""
    grace = timedelta(days=current_app.config["LAPSE_AFTER_DAYS"])
    # Due on D, it lapses on D + grace + 1 (the job's test: due < today - grace).
    first = today - grace - timedelta(days=1)
    last = first + timedelta(days=LAPSE_FORECAST_DAYS - 1)
    due = db.session.execute(
        select(Registration.next_confirmation_due, func.count())
        .where(Registration.status == "active",
               Registration.next_confirmation_due.between(first, last))
        .group_by(Registration.next_confirmation_due)
    ).all()
    by_day = {due_on + grace + timedelta(days=1): n for due_on, n in due}
    return {today + timedelta(days=k): by_day.get(today + timedelta(days=k), 0)
            for k in range(LAPSE_FORECAST_DAYS)}


def coverage(cell_deg: float = COVERAGE_CELL_DEG) -> tuple[dict[str, Any], int]:
    """Cameras of active registrations per coverage cell, and the number of cells inside the
    county with none. One statement over the stored map summary."""
    factor = max(1, round(cell_deg / SUMMARY_CELL_DEG))
    counts: Counter[tuple[int, int]] = Counter()
    for ix, iy, active in db.session.execute(
        text("SELECT ix, iy, active FROM camera_map_cell WHERE active > 0")
    ):
        counts[(int(ix) // factor, int(iy) // factor)] += int(active)
    step = SUMMARY_CELL_DEG * factor
    outline = county_outline()
    county = None
    shapes = [shape(feature["geometry"]) for feature in outline.get("features", [])
              if feature.get("geometry")]
    if shapes:
        county = unary_union(shapes)
    cells = dict(counts)
    if county is not None:
        inside = prep(county)
        min_x, min_y, max_x, max_y = county.bounds
        for gx in range(int(min_x // step), int(max_x // step) + 1):
            for gy in range(int(min_y // step), int(max_y // step) + 1):
                if (gx, gy) not in cells and inside.intersects(
                    box(gx * step, gy * step, (gx + 1) * step, (gy + 1) * step)
                ):
                    cells[(gx, gy)] = 0
    features = [
        {
            "type": "Feature",
            "properties": {"cameras": n},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[
                    [round(gx * step, 5), round(gy * step, 5)],
                    [round((gx + 1) * step, 5), round(gy * step, 5)],
                    [round((gx + 1) * step, 5), round((gy + 1) * step, 5)],
                    [round(gx * step, 5), round((gy + 1) * step, 5)],
                    [round(gx * step, 5), round(gy * step, 5)],
                ]],
            },
        }
        for (gx, gy), n in sorted(cells.items())
    ]
    empty = sum(1 for n in cells.values() if n == 0)
    return {"type": "FeatureCollection", "features": features}, empty


def registry_figures(today: date | None = None) -> RegistryFigures:
    """The Registry Staff dashboard's figures (registrations are county-wide, not scoped)."""
    today = today or county_today()
    queue = db.session.scalar(select(func.count()).select_from(review_queue().subquery())) or 0
    cells, empty = coverage()
    return RegistryFigures(
        review_queue=queue,
        confirmations_due=_count(confirmation_due(today)),
        confirmations_overdue=_count(confirmation_overdue(today)),
        lapsing=_lapsing(today),
        per_month=_per_month(today),
        coverage=cells,
        cells_without_cameras=empty,
        today=today,
    )

