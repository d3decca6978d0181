"""Mail goes through a real SMTP server; tokens are signed and expire."""
import time

import pytest

from backoffice.mail import MailError, send_mail
from backoffice.tokens import TokenError, make_token, read_token
from tests.mailbox import body_text


def test_send_mail_delivers_text_and_attachment(ctx, mailbox):
    send_mail("owner@example.net", "Receipt", "Hello", attachments=(("r.pdf", "application/pdf", b"%PDF"),))
    [message] = mailbox.to("owner@example.net")
    assert message["Subject"] == "Receipt"
    assert body_text(message).strip() == "Hello"
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == ["r.pdf"]


def test_unreachable_server_raises_mail_error(ctx):
    ctx.config["MAIL_PORT"], saved = 1, ctx.config["MAIL_PORT"]
    try:
        with pytest.raises(MailError):
            send_mail("owner@example.net", "x", "y")
    finally:
        ctx.config["MAIL_PORT"] = saved


def test_token_round_trip_and_purpose(ctx):
    token = make_token("verify", {"registration": 7})
    assert read_token("verify", token, 60) == {"registration": 7}
    with pytest.raises(TokenError, match="not valid"):
        read_token("manage", token, 60)
    with pytest.raises(TokenError, match="not valid"):
        read_token("verify", token[:-2] + "xx", 60)


def test_token_expires(ctx):
    token = make_token("verify", 1)
    time.sleep(1.1)
    with pytest.raises(TokenError, match="expired"):
        read_token("verify", token, 0)
