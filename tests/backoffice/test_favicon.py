"""Browsers ask every site for /favicon.ico: the registry answers with its icon, not a 404."""
import io

from PIL import Image


def test_the_icon_is_where_browsers_ask_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO" and icon.size[0] >= 16
