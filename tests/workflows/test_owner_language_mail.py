"""The e-mails an owner gets about a footage request — the receipt, the release notice, the
upload link — are in the owner's language, with times in county time written that way."""
import re
from email.header import decode_header, make_header

import pytest

from backoffice.extensions import db
from tests import factories
from tests.mailbox import body_text
from tests.workflows.helpers import request_in
from workflows import footage_request as wf
from workflows import owner_upload


def _to_spanish(request):
    request.registration.owner.language = "es"
    db.session.commit()


def _upload_link(mailbox, request, spanish: bool = True) -> str:
    """Send the owner an upload link; the path it e-mailed."""
    if spanish:
        _to_spanish(request)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    [message] = mailbox.to(request.registration.owner.email)
    return re.search(r"http://localhost(/upload/\S+)", body_text(message)).group(1)


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_the_receipt_email_speaks_spanish_to_a_spanish_owner(ctx, mailbox):
    request = request_in("consented")
    _to_spanish(request)
    wf.fire(request.id, "collect", factories.user("investigator"), 1)
    [message] = mailbox.to(request.registration.owner.email)
    assert _subject(message).startswith("Recibo de las grabaciones recogidas por")
    text = body_text(message)
    assert "Gracias por proporcionar grabaciones de" in text and "copia como prueba para el caso" in text
    assert "Thank you" not in text


@pytest.mark.parametrize("scope, kind, words", [
    ("media_release", "media_public", "Usted consintió este uso de sus grabaciones"),
    ("evidence_only", "court_order", "Esta entrega la exige una orden judicial (referencia BCV-26-77)"),
    ("evidence_only", "media_public", "Un supervisor aprobó esta difusión sin su consentimiento, por este "
                                      "motivo: sospechoso armado y peligro"),
])
def test_the_release_notice_says_its_grounds_in_spanish(ctx, mailbox, scope, kind, words):
    request = request_in("release_pending")
    request.consent_scope, request.release_kind = scope, kind
    if kind == "court_order":
        request.court_order_ref = "BCV-26-77"
    _to_spanish(request)
    data = {"override_reason": "sospechoso armado y peligro"} if scope == "evidence_only" and kind != "court_order" else {}
    wf.fire(request.id, "approve_release", factories.user("supervisor"), 1, data)
    [message] = mailbox.to(request.registration.owner.email)
    assert words in body_text(message) and "en sus propias palabras:" in body_text(message)


def test_the_upload_link_email_gives_spanish_county_times(ctx, mailbox):
    request = request_in("consented", evidence=False)
    _to_spanish(request)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    [message] = mailbox.to(request.registration.owner.email)
    text = body_text(message)
    assert _subject(message).startswith("Suba sus grabaciones para")
    assert "El enlace funciona una sola vez y caduca el" in text
    assert re.search(r"\b(PST|PDT|GMT-[78])\b", text), text  # county time, with its zone
    assert "expires" not in text


def test_the_upload_page_opens_in_the_owners_language_whatever_the_browser_says(ctx, mailbox):
    path = _upload_link(mailbox, request_in("consented", evidence=False))
    assert path.endswith("?lang=es")
    html = ctx.test_client().get(path, headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert '<html lang="es">' in html and "Suba las grabaciones solicitadas" in html
    assert "Necesitamos la grabación desde" in html and "Upload requested footage" not in html


def test_the_upload_page_stays_english_for_an_english_owner(ctx, mailbox):
    path = _upload_link(mailbox, request_in("consented", evidence=False), spanish=False)
    html = ctx.test_client().get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Upload requested footage" in html


def test_the_upload_page_says_its_refusals_in_the_owners_language_and_keeps_the_form(ctx, mailbox):
    from tests.workflows.test_owner_upload import owner_posts

    path = _upload_link(mailbox, request_in("consented", evidence=False))
    refused = owner_posts(ctx.test_client(), path, b"frames", clock_reading="ten")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "El reloj del grabador: escriba la fecha y la hora que muestra" in html
    assert 'name="clock_reading"' in html and 'value="ten"' in html  # the form again, as typed
    used = ctx.test_client().get(path.split("?")[0] + "x" + "?lang=es").get_data(as_text=True)
    assert "Este enlace no es válido" in used or "no es válido" in used
    assert 'type="file"' not in used  # a refused link offers no form
