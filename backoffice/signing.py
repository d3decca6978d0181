"""The registry's two keys, both kept outside the database.

- The **chain key** (`AUDIT_HMAC_KEY`, else the file `AUDIT_HMAC_KEY_FILE`): 32 random bytes
  keying the audit chain's HMAC-SHA256. Someone who can write to the database but cannot read
  this key cannot recompute a hash, so cannot edit, insert or re-chain an event unnoticed.
- The **signing key** (`AUDIT_SIGNING_KEY_FILE`, PEM): an Ed25519 private key that signs audit
  checkpoints and the prosecutor's evidence packages. Its public key is exported
  (`flask audit public-key`) and kept by whoever checks the statements, so a statement cannot
  be forged even by someone who can rewrite the database and the chain.

Key files are created on first use (mode 0600) so that the demo needs no set-up; production sets
both paths to files on protected storage. Ed25519: RFC 8032, through the `cryptography` package.
"""
import base64
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

CHAIN_KEY_BYTES = 32


class SignatureInvalid(Exception):
    """A statement's signature does not verify with the expected public key."""


def _create_private_file(path: Path, content: bytes) -> None:
    """Write a new secret file readable by its owner only; an existing file is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def _cached(names: tuple[str, ...], load):
    """One load per app and value of the settings it reads (tests point them elsewhere)."""
    cache = current_app.extensions.setdefault("registry_keys", {})
    key = tuple((name, current_app.config.get(name)) for name in names)
    if key not in cache:
        cache[key] = load()
    return cache[key]


def chain_key() -> bytes:
    """The audit chain's HMAC key: AUDIT_HMAC_KEY (text), else the key file (created once)."""

    def load() -> bytes:
        text = current_app.config.get("AUDIT_HMAC_KEY")
        if text:
            return text.encode()
        path = Path(current_app.config["AUDIT_HMAC_KEY_FILE"])
        _create_private_file(path, secrets.token_hex(CHAIN_KEY_BYTES).encode())
        return path.read_bytes().strip()

    return _cached(("AUDIT_HMAC_KEY", "AUDIT_HMAC_KEY_FILE"), load)


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key that signs statements, from AUDIT_SIGNING_KEY_FILE (created once)."""

    def load() -> Ed25519PrivateKey:
        path = Path(current_app.config["AUDIT_SIGNING_KEY_FILE"])
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _create_private_file(path, pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key

    return _cached(("AUDIT_SIGNING_KEY_FILE",), load)


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    """The public half of the signing key (or of `key`) as PEM text, to hand to verifiers."""
    key = key or signing_key().public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ValueError for anything else."""
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def canonical(payload: dict[str, Any]) -> bytes:
    """The bytes that are signed: sorted-key compact JSON, ASCII only."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(payload: dict[str, Any]) -> dict[str, Any]:
    """A signed statement: {"statement": payload, "key_id": …, "signature": base64}."""
    key = signing_key()
    return {
        "statement": payload,
        "key_id": key_id(key.public_key()),
        "signature": base64.b64encode(key.sign(canonical(payload))).decode(),
    }


def sign_bytes(data: bytes) -> bytes:
    """The raw 64-byte Ed25519 signature of `data` (a file signed as it is, byte for byte, so
    that anyone can check it with openssl or any Ed25519 library)."""
    return signing_key().sign(data)


def verify_bytes(data: bytes, signature: bytes, public_key: Ed25519PublicKey | None = None) -> None:
    """Check a raw signature of `data`; SignatureInvalid when it does not verify with
    `public_key` (default: this registry's own signing key)."""
    key = public_key or signing_key().public_key()
    try:
        key.verify(signature, data)
    except InvalidSignature as error:
        raise SignatureInvalid(
            "its signature does not verify with the registry's public key "
            f"{key_id(key)} (altered, or signed with another key)"
        ) from error


def verify(document: dict[str, Any], public_key: Ed25519PublicKey | None = None) -> dict[str, Any]:
    """The statement of a signed document, after checking its signature.

    Raises SignatureInvalid when the document is malformed, was altered, or was signed by a key
    other than `public_key` (default: this registry's own signing key).
    """
    key = public_key or signing_key().public_key()
    try:
        payload = document["statement"]
        signature = base64.b64decode(document["signature"], validate=True)
        key.verify(signature, canonical(payload))
    except (KeyError, TypeError, ValueError, InvalidSignature) as error:
        raise SignatureInvalid(
            "its signature does not verify with the registry's public key "
            f"{key_id(key)} (altered, or signed with another key)"
        ) from error
    return payload
