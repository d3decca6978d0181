"""Opening footage requests for the cameras picked from a canvass, in one step.

One request per registration (with the cameras asked for), opened by the workflow's own
command, all in one transaction: either every new request is opened or none is.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from backoffice.domain import CONCLUDED_STATES, CONTACTABLE
from backoffice.errors import InvalidInputError
from backoffice.extensions import db
from backoffice.ids import as_id
from backoffice.models import Camera, Case, FootageRequest, Registration

from .footage_request import open_in_transaction
from .transaction import command


class RequestCreationError(InvalidInputError):
    """The cameras asked for cannot be requested (HTTP 400); nothing was created."""


def create_footage_requests(
    case: Case,
    camera_ids: list[int],
    user,
    *,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
) -> tuple[list[FootageRequest], list[int]]:
    """Open requests for the cameras; returns (created, ids of registrations already asked).

    Commits. Raises RequestCreationError (nothing written) for unknown cameras or cameras of
    registrations that are not active, and the workflow's own refusals (RegistryError).
    """
    ids = sorted({int(i) for i in camera_ids})
    if not ids:
        raise RequestCreationError("choose at least one camera", field="camera_ids")
    with command():
        possible = [i for i in ids if as_id(i) is not None]  # others cannot be cameras
        cameras = db.session.execute(
            select(Camera).join(Registration).where(Camera.id.in_(possible))
        ).scalars().all()
        missing = set(ids) - {camera.id for camera in cameras}
        if missing:
            raise RequestCreationError(
                f"no such camera: {', '.join(map(str, sorted(missing)))}"[:300], field="camera_ids"
            )
        inactive = sorted({c.id for c in cameras if c.registration.status not in CONTACTABLE})
        if inactive:
            raise RequestCreationError(
                "cameras of registrations that are not active cannot be requested: "
                + ", ".join(map(str, inactive)),
                field="camera_ids",
            )
        by_registration: dict[int, list[int]] = defaultdict(list)
        for camera in cameras:
            by_registration[camera.registration_id].append(camera.id)
        already = set(
            db.session.execute(
                select(FootageRequest.registration_id).where(
                    FootageRequest.case_id == case.id,
                    FootageRequest.registration_id.in_(by_registration),
                    FootageRequest.state.not_in(CONCLUDED_STATES),
                )
            ).scalars()
        )
        created = [
            open_in_transaction(
                user,
                case_id=case.id,
                registration_id=registration_id,
                camera_ids=group,
                window_from=window_from,
                window_to=window_to,
            )
            for registration_id, group in sorted(by_registration.items())
            if registration_id not in already
        ]
    return created, sorted(already)
