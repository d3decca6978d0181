"""`flask registry demo-data`: a believable county of registered cameras (SPEC §6).

Everything is drawn from one seeded random generator, so a seed gives the same county
(dates are relative to today). Names, e-mail domains (example.com/.net/.org) and phone
numbers (555-01xx) are fictional by construction.
"""
import math
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import sys

import click
from flask import current_app

from ..accounts import DEMO_AGENCIES, DEMO_USERS, ensure_demo_accounts
from ..cli import registry_cli
from .. import geodesy
from ..extensions import db
from ..geocoding import AddressFile, import_points
from ..geocoding.reading import PointValues
from ..localtime import add_year, county_today, localize_leniently, utcnow
from ..models import Camera, Case, Owner, Registration, RegistrationLifecycle
from ..models.geo import make_point

CENTRE = (35.3733, -119.0187)  # downtown Bakersfield
RADIUS_M = 12_000
DEFAULT_CAMERAS = 2000
DEFAULT_SEED = 2026
BATCH = 250  # owners per flush: keeps memory flat and the progress bar moving

# Exact shares, applied as quotas so even a small county shows every status.
STATUS_SHARES = (("active", 0.85), ("pending", 0.05), ("lapsed", 0.06), ("withdrawn", 0.04))

FIRST_NAMES = (
    "Maria", "Jose", "Juan", "Guadalupe", "Daniel", "Michael", "Jennifer", "David", "Linda",
    "Robert", "Patricia", "Carlos", "Ana", "James", "Sarah", "Luis", "Rosa", "Kevin", "Karen",
    "Gurpreet", "Harjit", "Angela", "Brian", "Veronica", "Thomas", "Emily", "Miguel", "Teresa",
    "Steven", "Priya", "Anthony", "Nancy", "Jesus", "Laura", "Mark", "Diana", "Paul", "Sandra",
)
LAST_NAMES = (
    "Garcia", "Hernandez", "Martinez", "Lopez", "Rodriguez", "Gonzalez", "Smith", "Johnson",
    "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore",
    "Jackson", "Perez", "Thompson", "White", "Sanchez", "Ramirez", "Robinson", "Walker",
    "Torres", "Nguyen", "Flores", "Rivera", "Campbell", "Mitchell", "Carter", "Sandhu", "Gill",
    "Patel", "Dhillon", "Whitaker", "Delgado", "Castillo", "Okafor", "Baker", "Ortiz",
)
MAJOR_STREETS = (
    "Truxtun Ave", "California Ave", "Ming Ave", "White Ln", "Panama Ln", "Stockdale Hwy",
    "Brundage Ln", "Niles St", "Chester Ave", "Union Ave", "Coffee Rd", "Gosford Rd",
    "Rosedale Hwy", "Olive Dr", "Hageman Rd", "Brimhall Rd", "Mt Vernon Ave", "Wible Rd",
    "Stine Rd", "Planz Rd", "Pacheco Rd", "Columbus St", "University Ave", "Oswell St",
    "Fairfax Rd", "Calloway Dr", "Allen Rd", "Edison Hwy", "Baker St", "Hughes Ln",
)
RESIDENTIAL_STREETS = (
    "Sundale Ave", "Panorama Dr", "Fruitvale Ave", "Jewetta Ave", "Old River Rd",
    "Buena Vista Rd", "Harris Rd", "Ashe Rd", "Real Rd", "Camino Media", "Belle Terrace",
    "Monitor St", "Cottonwood Rd", "Morning Dr", "Auburn St", "Bernard St", "Alta Vista Dr",
    "Berkshire Rd", "Hosking Ave", "Akers Rd", "Ridgeview Ct", "Saddleback Dr",
    "Quailwood Ave", "Almond Tree Ln", "Mesa Verde Way", "Citrus Grove Ct", "Canyon Hills Dr",
    "Orchard Park Ave",
)
# Streets of the smaller towns; Bakersfield addresses use the two lists above.
TOWN_STREETS = {
    "Oildale": ("N Chester Ave", "Roberts Ln", "Beardsley Ave", "McCray St", "Norris Rd",
                "Airport Dr", "China Grade Loop", "Oildale Dr", "Minner Ave", "Arthur St"),
    "Lamont": ("Main St", "Segrue Rd", "Weedpatch Hwy", "Myrtle Ave", "Hall Rd", "Di Giorgio Rd"),
    "Arvin": ("Bear Mountain Blvd", "Comanche Dr", "Meyer St", "Tejon Hwy", "Derby St"),
    "Shafter": ("Central Valley Hwy", "Lerdo Hwy", "Beech Ave", "Shafter Ave", "Los Angeles Ave"),
}
SAINTS = ("Anne", "Joseph", "Francis", "Philip", "Elizabeth", "Therese")
NAME_WORDS = (
    "Valley", "Sierra", "Kern", "Riverside", "Sunset", "Golden", "Canyon", "Mesa", "Orchard",
    "Cottonwood", "Panorama", "Vista", "Heritage", "Palm", "Almond", "Citrus", "Oak", "Sequoia",
)

# business type: (organisation name patterns, (label, what it overlooks) pairs)
BUSINESSES = {
    "gas station": (
        ("{street} Fuel Stop", "{word} Gas & Mart", "{word} Petroleum #{n}"),
        (("Pump island N", "north pump island"), ("Pump island S", "south pump island"),
         ("Store entrance", "store entrance and forecourt"), ("Register", "sales counter"),
         ("Parking lot NE", "north-east lot and {street}"), ("Air & water", "air and water bay"),
         ("Rear lot", "rear lot and alley"), ("Street view", "{street}")),
    ),
    "liquor store": (
        ("{street} Liquor", "{word} Liquor & Market", "{word} Spirits"),
        (("Entrance", "front door and sidewalk"), ("Register", "sales counter"),
         ("Parking lot", "customer lot and {street}"), ("Rear door", "alley behind the store"),
         ("Cooler aisle", "cooler aisle"), ("Sidewalk", "sidewalk along {street}")),
    ),
    "restaurant": (
        ("{last}'s Kitchen", "Taqueria {word}", "{word} Grill", "{word} Pho House"),
        (("Front entrance", "entrance and {street}"), ("Drive-thru", "drive-thru lane"),
         ("Parking lot SW", "south-west lot"), ("Dining room", "dining room"),
         ("Back door", "kitchen door and dumpsters"), ("Patio", "patio and sidewalk")),
    ),
    "pharmacy": (
        ("{word} Pharmacy", "{street} Drug", "{word} Family Pharmacy"),
        (("Entrance", "entrance and {street}"), ("Pharmacy counter", "pharmacy counter"),
         ("Parking lot NE", "north-east lot"), ("Parking lot SW", "south-west lot"),
         ("Drive-up window", "drive-up window lane"), ("Loading dock", "rear loading dock")),
    ),
    "church": (
        ("{word} Community Church", "Iglesia {word}", "First Baptist Church of {word}",
         "St. {saint} Parish"),
        (("Main doors", "main doors and steps"), ("Parking lot", "parking lot and {street}"),
         ("Fellowship hall", "fellowship hall entrance"), ("Street view", "{street}")),
    ),
    "apartments": (
        ("{word} Apartments", "{word} Village Apartments", "The {word} at {street}"),
        (("Main gate", "vehicle gate and {street}"), ("Mailroom", "mailroom"),
         ("Carport A", "carport row A"), ("Carport B", "carport row B"),
         ("Pool gate", "pool gate"), ("Leasing office", "leasing office door"),
         ("Dumpster enclosure", "dumpster enclosure"), ("Laundry room", "laundry room")),
    ),
}
HOME_CAMERAS = (
    ("Driveway", "driveway and {street}"), ("Backyard", "back yard"),
    ("Side gate", "side gate"), ("Garage", "garage door"), ("Front yard", "front yard"),
    ("Street view", "{street}"), ("Back patio", "back patio"), ("Alley", "alley behind the house"),
)
DOORBELLS = ("Ring Video Doorbell 4", "Google Nest Doorbell", "Arlo Essential Doorbell",
             "Eufy Video Doorbell")
RECORDERS = ("Lorex 4K NVR", "Swann DVR8-4580", "Hikvision DS-7608NI", "Dahua NVR4108HS",
             "Reolink RLN8-410", "Amcrest NV4108E")
STANDALONE = ("Wyze Cam v3", "Eufy SoloCam S40", "Reolink Argus 3", "Arlo Pro 4",
              "Blink Outdoor")


def _premises_point(rng: random.Random) -> tuple[float, float, float, float]:
    """A point within RADIUS_M of the centre, denser towards downtown: lat, lon, and metres
    east and north of the centre."""
    distance = RADIUS_M * rng.random() ** 0.75  # exponent < 1 would be uniform at 0.5
    bearing = rng.uniform(0, 2 * math.pi)
    lat, lon = geodesy.destination(*CENTRE, math.degrees(bearing), distance)
    return lat, lon, distance * math.sin(bearing), distance * math.cos(bearing)


def _city(east: float, north: float) -> tuple[str, str]:
    """City and ZIP code for a point so many metres east and north of the centre: Bakersfield
    ZIPs by district, smaller towns at the edges."""
    if north > 4500 and -4500 < east < 3500:
        return "Oildale", "93308"
    if north > 5000 and east < -7000:
        return "Shafter", "93263"
    if north < -6000 and east > 7000:
        return "Arvin", "93203"
    if north < -6000 and east > 3000:
        return "Lamont", "93241"
    distance = math.hypot(north, east)
    if distance < 2500:
        zip_code = "93301"
    elif north >= 0 and east >= 0:
        zip_code = "93305" if distance < 6000 else "93306"
    elif north >= 0:
        zip_code = "93312" if east > -8000 else "93314"
    elif east >= 2000:
        zip_code = "93307"
    elif east >= -2500:
        zip_code = "93304" if north > -6000 else "93307"
    elif east >= -6000:
        zip_code = "93309" if north > -4000 else "93313"
    else:
        zip_code = "93311"
    return "Bakersfield", zip_code


def _status_quota(count: int, rng: random.Random) -> list[str]:
    """Statuses in the set shares, shuffled; from 10 registrations on, each at least once."""
    least = 1 if count >= 10 else 0
    quota = {status: max(least, round(count * share)) for status, share in STATUS_SHARES[1:]}
    statuses = ["active"] * (count - sum(quota.values()))
    statuses += [status for status, n in quota.items() for _ in range(n)]
    rng.shuffle(statuses)
    return statuses


def _schedule(rng: random.Random, status: str, today: date) -> dict:
    """registered_at, last_confirmed_at and next_confirmation_due consistent with the status."""
    noon = localize_leniently(datetime.combine(today, time(12)))  # county noon

    def at(days: int) -> datetime:
        return noon + timedelta(days=days, minutes=rng.randint(-240, 240))

    years_before = rng.choices((0, 1, 2, 3, 4), (30, 25, 20, 15, 10))[0]
    soon = rng.random() < 0.12
    if status == "pending":
        registered = at(-rng.randint(0, 13))
        return {"registered_at": registered, "last_confirmed_at": None,
                "next_confirmation_due": add_year(registered.date())}
    if status == "active":
        # Most are confirmed well ahead; some fall due within the month.
        until_due = rng.randint(0, 30) if soon else rng.randint(31, 364)
        last = at(until_due - 365)
        due = today + timedelta(days=until_due)
    elif status == "lapsed":
        overdue = rng.randint(31, 330)
        last = at(-overdue - 365)
        due = today - timedelta(days=overdue)
    else:  # withdrawn: confirmations stop
        last = at(-rng.randint(30, 500))
        due = None
    registered = last - timedelta(days=365 * years_before + rng.randint(0, 20) * years_before)
    return {"registered_at": registered, "last_confirmed_at": last, "next_confirmation_due": due}


def _phone(rng: random.Random) -> str:
    """A fictional Bakersfield number (555-0100 to 555-0199 are reserved for fiction)."""
    return f"661-555-01{rng.randint(0, 99):02d}"


def _email_name(text: str) -> str:
    """Letters and digits of a name, lower-cased, for the local part of an address."""
    return "".join(c for c in text.lower() if c.isalnum())


def _resident(rng: random.Random) -> Owner:
    """A resident with a fictional name and contact details."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = None
    if rng.random() < 0.85:
        domain = rng.choice(("example.com", "example.net", "example.org"))
        email = f"{_email_name(first)}.{_email_name(last)}{rng.randint(1, 99)}@{domain}"
    phone = _phone(rng) if email is None or rng.random() < 0.8 else None
    if email and (phone is None or rng.random() < 0.6):
        preferred = "email"
    else:
        preferred = rng.choice(("phone", "sms"))
    language = "es" if rng.random() < 0.12 else "en"
    return Owner(kind="resident", name=f"{first} {last}", email=email, phone=phone,
                 preferred_contact=preferred, language=language)


def _business(rng: random.Random, business: str, street: str) -> Owner:
    """A business with an organisation name and a named contact person."""
    patterns = BUSINESSES[business][0]
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    organisation = rng.choice(patterns).format(
        street=street.rsplit(" ", 1)[0], word=rng.choice(NAME_WORDS), n=rng.randint(2, 40),
        last=last, saint=rng.choice(SAINTS),
    )
    mailbox = rng.choice(("manager", "office", "info"))
    return Owner(
        kind="business", name=f"{first} {last}", organisation=organisation,
        email=f"{mailbox}@{_email_name(organisation)}.example.com", phone=_phone(rng),
        preferred_contact=rng.choice(("email", "phone")),
    )


def _recorder(rng: random.Random, business: bool) -> dict:
    """The premises' recording system, shared by its non-doorbell cameras."""
    if business or rng.random() < 0.55:
        return {"system_type": "dvr_nvr", "make_model": rng.choice(RECORDERS),
                "retention_days": rng.choice((7, 14, 14, 21, 30, 30, 45, 60)),
                "recording_mode": "continuous" if rng.random() < 0.75 else "motion"}
    return {"system_type": "standalone", "make_model": rng.choice(STANDALONE),
            "retention_days": rng.choice((7, 10, 14, 14, 21, 30)),
            "recording_mode": "motion" if rng.random() < 0.8 else "continuous"}


def _cameras(
    rng: random.Random, business: str | None, count: int, lat: float, lon: float, street: str
) -> list[Camera]:
    """count cameras a few metres around the premises (further out for business lots)."""
    recorder = _recorder(rng, business is not None)
    doorbell = business is None and rng.random() < 0.55
    views = BUSINESSES[business][1] if business else HOME_CAMERAS
    chosen = rng.sample(views, min(count - doorbell, len(views)))
    cameras = []
    if doorbell:
        cameras.append(Camera(
            label="Front door", overlooks="front porch and walk", system_type="cloud_doorbell",
            make_model=rng.choice(DOORBELLS), retention_days=rng.choice((30, 60)),
            recording_mode="motion", direction_deg=rng.randrange(360),
            fov_deg=rng.choice((140, 150, 160)), range_m=rng.randint(8, 15),
        ))
    for label, overlooks in chosen:
        dome = rng.random() < 0.10
        cameras.append(Camera(
            label=label, overlooks=overlooks.format(street=street), **recorder,
            direction_deg=None if dome else rng.randrange(360),
            fov_deg=360 if dome else rng.randint(60, 120),
            range_m=rng.randint(10, 25) if dome else rng.randint(10, 60),
        ))
    spread = 40 if business else 12
    for camera in cameras:
        distance, bearing = rng.uniform(2, spread), rng.uniform(0, 2 * math.pi)
        camera.location = make_point(
            *geodesy.destination(lat, lon, math.degrees(bearing), distance)
        )
    return cameras


def _plan(rng: random.Random, cameras: int) -> list[tuple[str | None, int]]:
    """(business type or None for a home, camera count) per premises, totalling cameras."""
    premises, total = [], 0
    while total < cameras:
        business = rng.choice(tuple(BUSINESSES)) if rng.random() < 0.18 else None
        if business:
            count = rng.randint(2, len(BUSINESSES[business][1]))
        else:
            count = rng.choices((1, 2, 3, 4), (35, 30, 22, 13))[0]
        count = min(count, cameras - total)
        premises.append((business, count))
        total += count
    return premises


def build_county(cameras: int, seed: int, today: date) -> Iterator[tuple[Owner, int, bool]]:
    """Yield (owner, cameras added, owner is new) per premises, registration attached."""
    rng = random.Random(seed)
    plan = _plan(rng, cameras)
    statuses = _status_quota(len(plan), rng)
    chains: dict[str, Owner] = {}  # a few businesses register a second store
    for (business, count), status in zip(plan, statuses, strict=True):
        lat, lon, east, north = _premises_point(rng)
        city, postal_code = _city(east, north)
        if city in TOWN_STREETS:
            street = rng.choice(TOWN_STREETS[city])
        elif business:
            street = rng.choice(MAJOR_STREETS)
        else:
            street = rng.choice(RESIDENTIAL_STREETS + MAJOR_STREETS[:8])
        if business:
            number = rng.randint(10, 99) * 100 + rng.choice((0, 1, 5, 10, 15, 20, 30, 50))
        else:
            number = rng.randint(100, 14999)
        owner: Owner | None = None
        if business in chains and rng.random() < 0.15:
            owner = chains.pop(business)
        new_owner = owner is None
        if owner is None:
            owner = _business(rng, business, street) if business else _resident(rng)
            if business:
                chains[business] = owner
        schedule = _schedule(rng, status, today)
        registration = Registration(
            address=f"{number} {street}", city=city, state="CA", postal_code=postal_code,
            status=status, location=make_point(lat, lon),
            terms_version="2023-1" if schedule["registered_at"].year < 2025 else "2025-1",
            notes="Withdrawn at the owner's request" if status == "withdrawn" else None,
            **schedule,
        )
        registration.cameras = _cameras(rng, business, count, lat, lon, street)
        for camera in registration.cameras:  # registered with their premises, not all today
            camera.created_at = schedule["registered_at"]
        if status == "pending" and rng.random() < 0.6:  # e-mail confirmed: in the review queue
            # Never ahead of the clock: a registration "today" was submitted and verified earlier.
            submitted = min(schedule["registered_at"], utcnow() - timedelta(hours=2))
            registration.lifecycle = RegistrationLifecycle(
                submitted_at=submitted,
                verified_at=min(submitted + timedelta(minutes=rng.randint(2, 600)),
                                utcnow() - timedelta(minutes=rng.randint(5, 60))))
        owner.registrations.append(registration)
        yield owner, count, new_owner


# (agency index, lead investigator, case number, incident type, north/east metres from the
# centre, hours ago the window started, its length in minutes, summary)
DEMO_CASES = (
    (0, "investigator", "DA-2026-0412", "commercial burglary", (350, -200), 20, 45,
     "Rear door of a pharmacy forced overnight; two suspects seen leaving in a pickup."),
    (1, "investigator2", "BPD-26-118734", "hit and run", (-400, 650), 6, 20,
     "Cyclist struck at the intersection; dark sedan left heading east."),
)


def _address_point(registration: Registration) -> PointValues:
    """The address point of a demo premises: every premises of the demo county has one, so that
    the address box of the portal and of the case form finds it (as a county's own file would)."""
    return PointValues(where=f"{registration.address}, {registration.city}",
                       address=registration.address, city=registration.city,
                       state=registration.state, postal_code=registration.postal_code or "",
                       lat=registration.lat, lon=registration.lon)


def _add_address_points(points: list[PointValues]) -> int:
    """Add (or refresh) these address points; how many were written."""
    summary = import_points(AddressFile(layout="demo county", encoding="utf-8", points=points))
    return summary.added + summary.updated


def _demo_cases(users: dict, agencies: list) -> int:
    """One open case per demo agency, so the map and canvass can be tried at once."""
    now = utcnow().replace(second=0, microsecond=0)
    made = 0
    for index, lead, number, kind, (north, east), hours_ago, minutes, summary in DEMO_CASES:
        agency = agencies[index]
        if db.session.query(Case.id).filter_by(agency_id=agency.id, case_number=number).first():
            continue
        start = now - timedelta(hours=hours_ago)
        case = Case(agency_id=agency.id, case_number=number, incident_type=kind,
                    occurred_from=start, occurred_to=start + timedelta(minutes=minutes),
                    summary=summary, lead_investigator_id=users[lead].id)
        case.set_location(*geodesy.offset(*CENTRE, north, east))
        db.session.add(case)
        made += 1
    return made


@registry_cli.command("demo-data")
@click.option("--cameras", default=DEFAULT_CAMERAS, show_default=True,
              type=click.IntRange(min=1), help="How many cameras to create.")
@click.option("--if-empty", is_flag=True, help="Do nothing if registrations already exist.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Random seed: the same seed gives the same county.")
def demo_data(cameras: int, if_empty: bool, seed: int) -> None:
    """Create a demo county around Bakersfield, CA, with the demo agencies and users."""
    try:
        users = ensure_demo_accounts(current_app.config["DEMO_PASSWORD"])
        agencies = [users[name].agency for name in ("investigator", "investigator2")]
        if if_empty and db.session.query(Registration.id).first() is not None:
            db.session.commit()
            click.echo("demo-data: registrations already exist, none added "
                       f"({len(DEMO_AGENCIES)} agencies and {len(DEMO_USERS)} demo users ready)")
            return
        owners, statuses = 0, Counter[str]()
        pending: list[Owner] = []
        points: list[PointValues] = []
        addresses = 0
        stderr = sys.stderr  # click.get_text_stream is deprecated (gone in Click 9)
        with click.progressbar(length=cameras, label="Creating cameras", file=stderr) as bar:
            for owner, count, new_owner in build_county(cameras, seed, county_today()):
                owners += new_owner
                statuses[owner.registrations[-1].status] += 1
                points.append(_address_point(owner.registrations[-1]))
                if new_owner:
                    pending.append(owner)
                bar.update(count)
                if len(pending) >= BATCH:
                    db.session.add_all(pending)
                    db.session.flush()
                    pending.clear()
                    addresses += _add_address_points(points)
                    points.clear()
            db.session.add_all(pending)
            db.session.flush()
            addresses += _add_address_points(points)
        cases = _demo_cases(users, agencies)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    mix = ", ".join(f"{statuses[status]} {status}" for status, _ in STATUS_SHARES)
    click.echo(
        f"demo-data: {owners} owners, {sum(statuses.values())} registrations ({mix}), "
        f"{cameras} cameras, {addresses} address points, {cases} cases; {len(DEMO_AGENCIES)} agencies and {len(DEMO_USERS)} demo users "
        f"ready (seed {seed})"
    )
