"""A real SMTP server (aiosmtpd) on a local port that keeps what it receives."""
import email
import socket
from email.message import Message

from aiosmtpd.controller import Controller


class Mailbox:
    """aiosmtpd handler storing every delivered message."""

    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        """Messages delivered to one address."""
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        """Forget what was delivered."""
        self.messages.clear()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp() -> tuple[Controller, Mailbox]:
    """Start the server; the caller stops the controller."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox


def body_text(message: Message) -> str:
    """The plain-text part of a delivered message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""
