"""Settings: defaults and environment look-ups only (SPEC §5, §6)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

_SQLITE_OPTIONS = (
    "geoalchemy2_connect_sqlite_init_mode=WGS84"
    "&geoalchemy2_connect_sqlite_transaction=true"
)


def _env_bool(name: str, default: bool) -> bool:
    """Read a 0/1 style boolean from the environment."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def sqlite_url(path: Path | str) -> str:
    """A SpatiaLite URL for a file, with GeoAlchemy2's fast metadata init."""
    return f"sqlite:///{path}?{_SQLITE_OPTIONS}"


def with_sqlite_options(url: str) -> str:
    """A SQLite URL given as it comes (DATABASE_URL=sqlite:///registry.db) with GeoAlchemy2's
    fast metadata init added: without it, SpatiaLite's first connection to a new file writes
    its thousands of reference-system rows one committed row at a time (minutes on a busy
    disk, for a command that then only says to migrate). Other URLs are returned unchanged."""
    if not url.startswith("sqlite") or "geoalchemy2_connect_sqlite" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{_SQLITE_OPTIONS}"


DATABASE_URL = with_sqlite_options(os.environ.get("DATABASE_URL") or sqlite_url(INSTANCE_DIR / "registry.db"))


def instance_secret_key() -> str:
    """A random key kept in instance/secret_key (never in git), made on first use: the
    application's SECRET_KEY when the environment gives none (backoffice.create_app)."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        import secrets

        INSTANCE_DIR.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


# Reading this module changes nothing on disk: an empty key is filled in by create_app.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "registry@localhost")
EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR", str(INSTANCE_DIR / "evidence"))
# Pictures of what each camera sees (re-encoded JPEGs and thumbnails), and what an upload may be.
SNAPSHOT_DIR = os.environ.get("SNAPSHOT_DIR", str(INSTANCE_DIR / "snapshots"))
SNAPSHOT_MAX_BYTES = int(os.environ.get("SNAPSHOT_MAX_BYTES", str(10 * 1024 * 1024)))
SNAPSHOT_MAX_PIXELS = int(os.environ.get("SNAPSHOT_MAX_PIXELS", str(40_000_000)))
# The audit chain's HMAC key and the Ed25519 key signing its checkpoints live outside the
# database (backoffice/signing.py); the key files are created on first use.
# Finished e-mails (sent or given up) keep their address and text this many days, then only
# what was sent, when and about which record (the request page's Messages list).
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "30"))
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_KEY_FILE = os.environ.get("AUDIT_HMAC_KEY_FILE", str(INSTANCE_DIR / "audit_hmac_key"))
AUDIT_SIGNING_KEY_FILE = os.environ.get(
    "AUDIT_SIGNING_KEY_FILE", str(INSTANCE_DIR / "audit_signing_key.pem")
)
# Signed checkpoints of the chain's head: a second location, ideally another machine's disk.
AUDIT_CHECKPOINT_DIR = os.environ.get(
    "AUDIT_CHECKPOINT_DIR", str(INSTANCE_DIR / "audit-checkpoints")
)
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8080")
# Owners' upload and evidence-check pages are public: limit guessing and flooding per address.
PUBLIC_LINK_RATE_LIMIT = os.environ.get("PUBLIC_LINK_RATE_LIMIT", "30 per minute")
# Area requests (ask every owner a canvass found): how many an agency may send an hour, how many
# premises one may ask, and how fast their e-mails leave the outbox (the rest wait their minute).
AREA_REQUESTS_PER_HOUR = int(os.environ.get("AREA_REQUESTS_PER_HOUR", "10"))
AREA_REQUEST_MAX_PREMISES = int(os.environ.get("AREA_REQUEST_MAX_PREMISES", "300"))
AREA_MAIL_PER_MINUTE = int(os.environ.get("AREA_MAIL_PER_MINUTE", "30"))
TILE_URL = os.environ.get("TILE_URL", "")
# Where cameras may stand: inside the county's extent (west,south,east,north in degrees; empty:
# anywhere) and within CAMERA_MAX_DISTANCE_M metres of their premises. Default: the demo county.
COUNTY_BOUNDS = tuple(
    float(part) for part in os.environ.get("COUNTY_BOUNDS", "-120.20,34.78,-117.61,35.80").split(",")
    if part.strip()
) or None
CAMERA_MAX_DISTANCE_M = int(os.environ.get("CAMERA_MAX_DISTANCE_M", "500"))
# Offline map context. TILES_PATH: an MBTiles file or a folder of z/x/y.png tiles, served at
# /tiles/{z}/{x}/{y}.png and used when TILE_URL is empty. COUNTY_OUTLINE: a GeoJSON polygon or
# multipolygon of the county, drawn on every map (empty: none).
TILES_PATH = os.environ.get("TILES_PATH", "")
COUNTY_OUTLINE = os.environ.get(
    "COUNTY_OUTLINE", str(BASE_DIR / "backoffice" / "data" / "kern-county.geojson")
)
# Address points on the map: from this zoom on, at most this many in view.
ADDRESS_POINTS_MIN_ZOOM = int(os.environ.get("ADDRESS_POINTS_MIN_ZOOM", "16"))
ADDRESS_POINTS_MAX = int(os.environ.get("ADDRESS_POINTS_MAX", "500"))
# The portal's pin map asks for address points as the owner pans: limited per address.
PUBLIC_MAP_RATE_LIMIT = os.environ.get("PUBLIC_MAP_RATE_LIMIT", "120 per minute")
# The county's IANA time zone: people read and type times in it; instants are stored in UTC.
TIMEZONE = os.environ.get("TIMEZONE") or "America/Los_Angeles"
MFA_REQUIRED = _env_bool("MFA_REQUIRED", True)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
PORT = int(os.environ.get("PORT", "8080"))

# Public portal (issue: registration, verification, annual confirmation, withdrawal).
VERIFY_LINK_MAX_AGE_S = int(os.environ.get("VERIFY_LINK_MAX_AGE_S", str(7 * 24 * 3600)))
CONFIRM_LINK_MAX_AGE_S = int(os.environ.get("CONFIRM_LINK_MAX_AGE_S", str(60 * 24 * 3600)))
MANAGE_LINK_MAX_AGE_S = int(os.environ.get("MANAGE_LINK_MAX_AGE_S", str(400 * 24 * 3600)))
CONFIRMATION_LEAD_DAYS = int(os.environ.get("CONFIRMATION_LEAD_DAYS", "14"))
LAPSE_AFTER_DAYS = int(os.environ.get("LAPSE_AFTER_DAYS", "30"))
LAPSED_PURGE_DAYS = int(os.environ.get("LAPSED_PURGE_DAYS", "365"))
# Evidence of a case is kept this many days after its last footage request is closed or
# cancelled, unless a retention rule for its incident type says otherwise (Footage ->
# Retention rules) or the case is on legal hold; then a supervisor may dispose of it.
DEFAULT_RETENTION_DAYS = int(os.environ.get("DEFAULT_RETENTION_DAYS", "1095"))
PORTAL_MAX_CAMERAS = int(os.environ.get("PORTAL_MAX_CAMERAS", "20"))
PORTAL_MAX_BYTES = int(os.environ.get("PORTAL_MAX_BYTES", str(64 * 1024)))
PORTAL_RATE_LIMIT = os.environ.get("PORTAL_RATE_LIMIT", "10/minute;60/hour")
# Flask-Limiter (the instance Flask-AppBuilder creates); memory:// is per process.
RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
# Flask-AppBuilder puts its own catalogues first; the portal's Spanish lives with the portal.
BABEL_TRANSLATION_DIRECTORIES = "translations;portal/translations"
# The map's camera layer: above this many cameras in view, grid clusters are sent instead.
GEOJSON_MAX_FEATURES = int(os.environ.get("GEOJSON_MAX_FEATURES", "500"))
GEOJSON_GRID_CELLS = int(os.environ.get("GEOJSON_GRID_CELLS", "24"))
# Account security (issue 6): lockout, idle timeout, sign-in rate limits, cookies.
LOCKOUT_THRESHOLD = int(os.environ.get("LOCKOUT_THRESHOLD", "5"))
LOCKOUT_MINUTES = int(os.environ.get("LOCKOUT_MINUTES", "10"))
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
PASSWORD_MIN_LENGTH = max(12, int(os.environ.get("PASSWORD_MIN_LENGTH", "12")))
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", PUBLIC_BASE_URL.startswith("https://"))
JWT_ACCESS_MINUTES = int(os.environ.get("JWT_ACCESS_MINUTES", "15"))
JWT_REFRESH_HOURS = int(os.environ.get("JWT_REFRESH_HOURS", "8"))
# Behind a TLS-terminating reverse proxy: trust its X-Forwarded-For/-Proto (one hop), so
# audit events, rate limits and HSTS see the real client address and scheme.
TRUST_PROXY_HEADERS = _env_bool("TRUST_PROXY_HEADERS", False)
