"""Import files' bytes as text: UTF-8 with or without BOM, UTF-16, Excel's Windows-1252."""
import codecs

import pytest

from backoffice.importing.text import NotTextError, decode_text


@pytest.mark.parametrize(
    "data, text, encoding",
    [
        (b"a,b\n", "a,b\n", "utf-8"),
        (codecs.BOM_UTF8 + "Peña\n".encode(), "Peña\n", "utf-8"),
        ("Peña\n".encode("cp1252"), "Peña\n", "cp1252"),
        ("Peña \u2019\u20ac\n".encode("cp1252"), "Peña \u2019\u20ac\n", "cp1252"),
        (codecs.BOM_UTF16_LE + "Peña\n".encode("utf-16-le"), "Peña\n", "utf-16"),
        (codecs.BOM_UTF16_BE + "Peña\n".encode("utf-16-be"), "Peña\n", "utf-16"),
    ],
)
def test_encodings_people_have(data, text, encoding):
    assert decode_text(data) == (text, encoding)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b" \r\n", "the file is empty"),
        (b"PK\x03\x04rest", "spreadsheet or ZIP"),
        (b"GIF89a\x00\x01", "binary data"),
        (b"ok\nok\n\x81\x8d\x8f\n", "line 3: neither UTF-8 nor Windows-1252"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "not valid UTF-16"),
    ],
)
def test_what_is_not_text_is_named(data, message):
    with pytest.raises(NotTextError, match=message):
        decode_text(data)
