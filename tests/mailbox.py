"""A real SMTP server (aiosmtpd) on a local port that keeps what it receives."""
import email
import os
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
    """A free TCP port on the loopback interface: within TEST_PORTS ("8190-8199") when set,
    for a machine where each user of it keeps to their own ports."""
    low, _, high = os.environ.get("TEST_PORTS", "0-0").partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError(f"no free port in TEST_PORTS {low}-{high}")


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
