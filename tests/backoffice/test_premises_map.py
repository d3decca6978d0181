"""Staff see a registration's premises pin and its cameras on a small map (review and show
pages), with the county outline and address points around."""
import json

import pytest

from backoffice.extensions import db
from tests import factories
from tests.auth import login

PROBE = '</script><script>window.__pwned=1</script><img src=x onerror=alert(1)>'


def premises_config(html: str) -> dict:
    """The JSON the page hands to premises.js."""
    assert 'id="premises-map"' in html
    raw = html.split('id="premises-map-config">', 1)[1].split("</script>", 1)[0]
    return json.loads(raw)


@pytest.fixture()
def premises(ctx):
    """A pending registration with two cameras, one of them 20 m east of the door."""
    registration = factories.registration(status="pending", cameras=2)
    registration.cameras[0].label = PROBE
    registration.cameras[1].set_location(factories.BAKERSFIELD[0], factories.BAKERSFIELD[1] + 0.00022)
    db.session.flush()
    return registration


@pytest.mark.parametrize("url", ["/review/{id}", "/registrationview/show/{id}"])
def test_staff_see_the_pin_and_the_cameras(client, premises, url):
    login(client, "staff")
    response = client.get(url.format(id=premises.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    config = premises_config(html)
    assert (config["lat"], config["lon"]) == pytest.approx(factories.BAKERSFIELD)
    assert config["label"] == f"{premises.address}, Bakersfield"
    assert [c["label"] for c in config["cameras"]] == [PROBE, "Camera 2"]  # in the order added
    assert config["cameras"][1]["lon"] == pytest.approx(factories.BAKERSFIELD[1] + 0.00022)
    assert config["cameras"][0]["direction_deg"] == 90 and config["cameras"][0]["fov_deg"] == 90
    assert config["outline_url"] == "/api/v1/county/outline"
    assert config["addresses_url"] == "/api/v1/address_points/"
    for script in ("vendor/leaflet/leaflet.js", "mapcontext.js", "premises.js"):
        assert f"/static/{script}" in html


def test_a_camera_label_cannot_break_out_of_the_map_data(client, premises):
    login(client, "staff")
    html = client.get(f"/review/{premises.id}").get_data(as_text=True)
    assert "window.__pwned=1</script>" not in html  # the JSON escapes < and >
    assert premises_config(html)["cameras"][0]["label"] == PROBE  # ... and keeps the text
