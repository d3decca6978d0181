"""Bytes of an uploaded or imported file as text: UTF-8 (with or without BOM), UTF-16 with BOM,
or the Windows-1252 that Excel writes on Windows; anything else is refused with one line."""
import codecs

# Signatures of files people pick by mistake instead of exporting CSV or GeoJSON.
_SPREADSHEETS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


class NotTextError(ValueError):
    """The bytes are not text this application can read; the message says why in one line."""


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of data; NotTextError when it is empty, binary or undecodable.

    UTF-8 is tried first (a BOM is removed), then Windows-1252, which also reads ISO-8859-1
    (Latin-1) text in every printable character. A UTF-16 BOM is honoured. Encoding names are
    Python's codec names.
    """
    if data.startswith(_SPREADSHEETS):
        raise NotTextError("a spreadsheet or ZIP file, not text: save it as CSV (UTF-8) first")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise NotTextError("not valid UTF-16 text") from None
    else:
        if b"\x00" in data:
            raise NotTextError("binary data, not text")
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                line = data[: exc.start].count(b"\n") + 1
                raise NotTextError(
                    f"line {line}: neither UTF-8 nor Windows-1252 text: save it as CSV (UTF-8)"
                ) from None
    if not text.strip():
        raise NotTextError("the file is empty")
    return text, encoding
