"""Multipart uploads written straight into EVIDENCE_DIR while they are hashed.

Werkzeug's default spools large files to the system temp folder (often a RAM-backed tmpfs)
and we would then copy them again; here each file part goes once, chunk by chunk, into a
temporary file beside its final place, with its SHA-256 computed on the way.
"""
from contextlib import contextmanager
from typing import Iterator

from flask import request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

from .evidence_files import IncomingFile, incoming_dir, sent_file_name
from .errors import InvalidInputError

MAX_FIELD_BYTES = 500_000  # Flask's own default for form fields
MAX_PARTS = 20


@contextmanager
def evidence_upload() -> Iterator[tuple[MultiDict, FileStorage | None]]:
    """Parse the request body: (form fields, the `file` part). Unused temporary files are removed."""
    created: list[IncomingFile] = []

    def factory(total_content_length, content_type, filename, content_length=None):
        incoming = IncomingFile(incoming_dir())
        created.append(incoming)
        return incoming

    try:
        try:
            _, form, files = parse_form_data(
                request.environ,
                stream_factory=factory,
                silent=False,
                max_form_memory_size=MAX_FIELD_BYTES,  # text fields are held in memory: keep them small
                max_form_parts=MAX_PARTS,
            )
        except (ValueError, RequestEntityTooLarge) as error:  # broken, truncated or oversized body
            raise InvalidInputError(f"The upload was refused: {error}") from None
        upload = files.get("file")
        if upload is not None and upload.filename:
            upload.filename = sent_file_name(upload.filename)
        yield form, upload
    finally:
        for incoming in created:
            incoming.discard()
