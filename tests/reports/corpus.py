"""Text people really type, for every PDF: names in many scripts, words and addresses too long
for any column. Each builder fills every free-text field of one report with it."""
from typing import Any

from tests.factories import BAKERSFIELD

NAMES = {
    "latin": "Margaret O'Brien-Whitfield",
    "spanish": "José Ángel Núñez Peña",
    "vietnamese": "Nguyễn Thị Hương",
    "chinese": "陳美玲",
    "arabic": "فاطمة الزهراء",
    "hebrew": "יעל כהן",
}
RTL = ("arabic", "hebrew")
LONG_WORD = "CAM01_PARKINGLOT_NORTHEAST_ENTRANCE_PTZ_4K_MAINSTREAM_CHANNEL_ONE_SUBSTREAM_BACKUP"
LONG_EMAIL = "facilities.maintenance.department.northwest.region@bakersfield-commercial-properties.example.com"
LONG_URL = "https://registry.example.org/verify/evidence/" + "eyJyIjo0Mn0.ZmFrZS1zaWduYXR1cmUtZm9yLWEtdGVzdA" * 3
LONG_CASE_NUMBER = "BPD-2026-" + "0123456789" * 3  # 39 of the 40 characters allowed
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def canvass_data(rows: int | None = None) -> dict[str, Any]:
    """A canvass sheet with one camera per name (or `rows` cameras cycling through them)."""
    lat, lon = BAKERSFIELD
    keys = list(NAMES)
    count = rows or len(keys)
    items = []
    for i in range(count):
        key = keys[i % len(keys)]
        name = NAMES[key]
        items.append({
            "label": LONG_WORD if i == 0 else f"{name} porch",
            "address": f"{2001 + 2 * i} {name} St, Bakersfield",
            "distance_m": 10.0 * i, "in_view": True, "retained": True, "retention_days": 30,
            "deadline_text": "2026-05-08 21:00", "lat": lat + 0.0002 * i, "lon": lon,
            "direction_deg": 180, "fov_deg": 90, "range_m": 30,
            "contact": {"name": name, "organisation": LONG_WORD if i == 1 else None,
                        "phone": "+1 661-555-0100 ext. 23", "email": LONG_EMAIL if i == 0 else f"owner{i}@example.org",
                        "preferred_contact": "email"},
        })
    return {
        "case": {"case_number": LONG_CASE_NUMBER, "incident_type": f"{LONG_WORD} {NAMES['chinese']}",
                 "agency": "Bakersfield Police Department", "since": "2026-05-01 21:00",
                 "until": "2026-05-01 22:00", "lat": lat, "lon": lon},
        "radius_m": 300,
        "generated_at": "Sat 2 May 2026, 1:00 AM PDT",
        "generated_by": "investigator",
        "items": items,
    }


def item_facts(number: int, name: str) -> dict[str, Any]:
    """One evidence item, as workflows.documents gives it."""
    return {
        "id": number, "file_name": f"{LONG_WORD}_{number}.avi", "description": f"{name}: {LONG_URL}",
        "size_bytes": 123_456_789, "sha256": SHA, "clock_offset": "125 s ahead",
        "collected_by": f"{name} ({LONG_EMAIL})", "collected_at": "Sat 2 May 2026, 1:00 AM PDT",
    }


def receipt_data(items: int | None = None) -> dict[str, Any]:
    """An evidence receipt: an owner for each name, one item per name (or `items` items)."""
    names = list(NAMES.values())
    return {
        "request_id": 42, "case_number": LONG_CASE_NUMBER, "agency_name": "Bakersfield Police Department",
        "agency_ori": "CA0150200", "owner_name": " · ".join(names), "organisation": LONG_WORD,
        "premises": f"2001 {NAMES['arabic']} St, Bakersfield, CA 93301",
        "window_from": "Fri 1 May 2026, 2:00 PM PDT", "window_to": "Fri 1 May 2026, 3:00 PM PDT",
        "consent": f"{NAMES['hebrew']}, written, Sat 2 May 2026, 12:00 AM PDT; scope: evidence only",
        "items": [item_facts(i + 1, names[i % len(names)]) for i in range(items or len(names))],
        "collector": NAMES["vietnamese"], "issued_at": "Sat 2 May 2026, 1:05 AM PDT",
        "verify_url": LONG_URL, "footer": f"Evidence receipt, case {LONG_CASE_NUMBER}, request 42",
    }


def custody_data(events: int | None = None) -> dict[str, Any]:
    """A chain-of-custody report: one entry per name (or `events` entries)."""
    names = list(NAMES.values())
    return {
        "request_id": 42, "case_number": LONG_CASE_NUMBER, "agency_name": "Bakersfield Police Department",
        "agency_ori": "CA0150200", "premises": "2001 Eye St, Bakersfield, CA",
        "item": item_facts(7, NAMES["chinese"]),
        "events": [
            {"at": "Sat 2 May 2026, 1:00 AM PDT", "action": "transferred",
             "actor": f"{names[i % len(names)]} (user{i})",
             "note": f"to {names[i % len(names)]}: {LONG_WORD} {LONG_EMAIL}"}
            for i in range(events or len(names))
        ],
        "footer": f"Chain of custody, case {LONG_CASE_NUMBER}, item 7",
    }
