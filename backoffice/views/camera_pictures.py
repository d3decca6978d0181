"""The picture of what a camera sees, on the signed-in screens: attached and removed by Registry
Staff, who see every picture; an investigator sees one for a case of their agency whose canvass
found the camera, as a contact reveal needs (every full view audited with the case)."""
from typing import IO, TYPE_CHECKING, cast

from flask import flash, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access

from .. import snapshots
from ..canvass.contact import returned_for_case
from ..canvass.parse import case_for_user
from ..errors import ForbiddenError, NotFoundError
from ..ids import get_by_id
from ..models import Camera, Case
from ..scoping import current_user

# mypy checks the mixin as the class it is mixed into; at run time it stands alone.
if TYPE_CHECKING:
    from flask_appbuilder import ModelView as _ModelView
else:
    _ModelView = object

PICTURE_PERMISSIONS = {
    "picture": "read",
    "picture_thumb": "read",
    "attach_picture": "write",
    "remove_picture": "write",
}


def camera_picture(camera_id) -> dict | None:
    """What a camera's page shows of its picture: addresses and size, or None without one."""
    camera = get_by_id(Camera, camera_id)
    if camera is None or camera.snapshot is None:
        return None
    snapshot = camera.snapshot
    return {**snapshots.picture_urls(camera.id), "width": snapshot.width, "height": snapshot.height,
            "added_by": snapshot.added_by, "added_at": snapshot.added_at}


class CameraPictureRoutes(_ModelView):
    """Mixin for the camera screen (permissions of "Camera": read to see, write to change)."""

    def _may_edit(self) -> bool:
        return self.appbuilder.sm.has_access("can_write", self.class_permission_name)

    def _picture_of(self, pk: int) -> tuple[Camera, Case | None]:
        """The camera with its picture, and the case it is seen for (None for Registry Staff).

        Anyone else names a case of their agency (?case_id=) whose canvass found the camera:
        without one 403, for another agency's case 404, and a camera the case did not find reads
        as one without a picture (404), so that nothing is learnt of cameras outside the case.
        """
        if self._may_edit():
            camera = get_by_id(Camera, pk)
            if camera is None or camera.snapshot is None:
                raise NotFoundError("This camera has no picture.")
            return camera, None
        if not request.args.get("case_id"):
            raise ForbiddenError("A camera's picture opens for a case: search around one of your cases on the map "
                                 "and open it from the list or the map.")
        case = case_for_user(request.args["case_id"], current_user())
        camera = get_by_id(Camera, pk)
        if (camera is None or camera.snapshot is None or not snapshots.visible_to(camera, False)
                or not returned_for_case(case.id, camera.registration_id)):
            raise NotFoundError(f"No search of case {case.case_number} found a camera {pk} with a picture.")
        return camera, case

    @staticmethod
    def _jpeg(path):
        """A stored picture (not kept by browsers: every signed-in answer is no-store)."""
        return send_file(path, mimetype="image/jpeg", max_age=0, conditional=False, etag=False)

    @expose("/picture/<int:pk>", methods=["GET"])
    @has_access
    def picture(self, pk: int):
        """The full picture; each view is audited with the case it was opened for, and the
        owner's access log shows it."""
        camera, case = self._picture_of(pk)
        stored_name = camera.snapshot.stored_name
        snapshots.record_view(camera, current_user(), case.case_number if case else None,
                              case.id if case else None)
        return self._jpeg(snapshots.file_path(stored_name))

    @expose("/picture/<int:pk>/thumb", methods=["GET"])
    @has_access
    def picture_thumb(self, pk: int):
        """The thumbnail for lists and map popups (the canvass search that lists it is audited)."""
        camera, _case = self._picture_of(pk)
        return self._jpeg(snapshots.file_path(camera.snapshot.stored_name, thumb=True))

    @expose("/picture/<int:pk>/attach", methods=["POST"])
    @has_access
    def attach_picture(self, pk: int):
        """Attach (or replace) the camera's picture; refusals say why and store nothing."""
        camera = get_by_id(Camera, pk)
        if camera is None:
            raise NotFoundError("That camera does not exist.")
        back = redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        try:
            if snapshots.too_large(request.content_length):  # said before the body is read
                raise snapshots.SnapshotRejected("too_large", size=snapshots.size_text(snapshots.limits()[0]))
            request.max_content_length = snapshots.limits()[0] + 64 * 1024  # a body of unknown length
            upload = request.files.get(snapshots.FIELD)
            stream = upload.stream if upload else cast(IO[bytes], _Empty())
            prepared = snapshots.prepare(stream, *snapshots.limits())
            snapshots.attach(camera, prepared, by_owner=False, user=current_user())
        except snapshots.SnapshotRejected as error:
            flash(f"The picture was not attached: {error.message}", "danger")
            return back
        flash("Picture attached. Its location data and other details were removed.", "success")
        return back

    @expose("/picture/<int:pk>/remove", methods=["POST"])
    @has_access
    def remove_picture(self, pk: int):
        """Remove the camera's picture."""
        camera = get_by_id(Camera, pk)
        if camera is None:
            raise NotFoundError("That camera does not exist.")
        if snapshots.remove(camera, by_owner=False, user=current_user()):
            flash("Picture removed.", "success")
        else:  # removed meanwhile (another tab, the owner): said, not a silent reload
            flash("This camera has no picture to remove: it was already removed.", "info")
        return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))


class _Empty:
    """No file part at all: read as an empty upload ("choose a picture")."""

    @staticmethod
    def read(_size: int = -1) -> bytes:
        return b""
