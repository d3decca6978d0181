"""An API holds one schema object for all its requests; two loads at once must each fill
their own row (marshmallow-sqlalchemy keeps the row being loaded on the schema object)."""
import threading
import time

from marshmallow import validates

from backoffice.api.schemas import CameraSchema
from backoffice.models import Camera


class PausingCameraSchema(CameraSchema):
    """Holds the first load inside validation until the test lets it go."""

    entered = threading.Event()
    release = threading.Event()

    @validates("label")
    def pause_first(self, value, **kwargs):
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(10)


def test_two_loads_at_once_into_one_schema_each_fill_their_own_row(app):
    schema = PausingCameraSchema(partial=True)
    first, second = Camera(label="first"), Camera(label="second")
    loaded = {}

    def load(name, row):
        with app.app_context():
            loaded[name] = schema.load({"label": f"{name} edited"}, instance=row)

    one = threading.Thread(target=load, args=("first", first))
    one.start()
    assert PausingCameraSchema.entered.wait(10)
    two = threading.Thread(target=load, args=("second", second))
    two.start()
    time.sleep(0.3)  # the second load runs to its end here unless it waits for the first
    PausingCameraSchema.release.set()
    one.join(10)
    two.join(10)
    assert loaded["first"] is first and loaded["second"] is second
    assert (first.label, second.label) == ("first edited", "second edited")
