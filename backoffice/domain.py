"""The registry's status sets, each declared once (SPEC §3 registrations, §4 footage requests).

Every module, screen and template that asks "may this registration be contacted?" or "is this
request finished?" reads the answer here; the sets are codes (public interface), shown to people
through backoffice.labels.
"""

# --- Registrations --------------------------------------------------------------------------

REGISTRATION_STATUSES = ("pending", "active", "lapsed", "withdrawn")
# On the map and in the canvass list: everything but withdrawn (pending ones greyed out). The
# database's triggers count these in the map's summary (migration 0024): a change here needs a
# migration that rewrites them (tests/backoffice/test_camera_map_summary.py fails until then).
SHOWN_ON_MAP = ("active", "lapsed", "pending")
# Whose owners an investigator may contact, reveal or ask for footage. A lapsed registration's
# owner has not confirmed for over a year and 30 days: the programme's consent to be contacted
# is not current, so lapsed is shown but not contacted (decided here; it was allowed by one of
# the three places that asked).
CONTACTABLE = ("active",)
# Whose yearly confirmation staff follow up (lapsed ones until they are purged), and which an
# owner may confirm from the e-mailed link.
FOLLOWED_UP = ("active", "lapsed")

# --- Footage requests -----------------------------------------------------------------------

REQUEST_STATES = (
    "open",
    "contacted",
    "consented",
    "declined",
    "no_response",
    "collected",
    "release_pending",
    "released",
    "closed",
    "cancelled",
)
# Still waiting for footage: their deadline matters.
WAITING_STATES = ("open", "contacted", "consented", "no_response")
# Taking evidence (the investigator's upload and the owner's upload link).
INTAKE_STATES = ("consented",)
# No trigger leaves them (SPEC §4: `cancel` from any state but `closed`; a cancelled request
# is not cancelled again).
FINAL_STATES = ("closed", "cancelled")
# Settled: the request no longer counts as open for its premises (a new one may be opened for
# the case) nor as anybody's work. A declined request is settled but not final: SPEC §4 still
# lets it be cancelled, to say why it is set aside. (Decided here: one copy called declined
# final and the state machine did not.)
CONCLUDED_STATES = ("declined", *FINAL_STATES)

# --- Canvass ----------------------------------------------------------------------------------

# The audit events of a canvass search, around a point or along a route: each records the
# registrations it returned (whose owners may then be contacted for the case), and each counts
# as a search in the transparency report.
CANVASS_SEARCH_ACTIONS = ("canvass.search", "canvass.route_search")
