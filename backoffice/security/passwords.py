"""Password rules after NIST SP 800-63B: long enough, not a known common password, not
easily guessed.

No composition rules (no "one capital, one digit"); length and a block-list are what
the guideline asks for. Beside the block-list, zxcvbn estimates how guessable the rest is
(words, names, dates, keyboard patterns, l33t spellings: "Password2026" is refused, "kern
county 4 ever!" is not). Used by every form and API that sets a password (through
FAB_PASSWORD_COMPLEXITY_VALIDATOR) and by check_password() directly.
"""
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS = Path(__file__).with_name("data") / "common-passwords.txt"
# Runs people type instead of a password.
SEQUENCES = ("0123456789" * 4, "qwertyuiopasdfghjklzxcvbnm" * 2, "abcdefghijklmnopqrstuvwxyz" * 2)
# Words anybody would guess for this system.
CONTEXT_WORDS = ("camera", "registry", "password", "backoffice", "sheriff", "police")
# zxcvbn's scale: 0 too guessable … 4 very unguessable; 3 resists an offline attack on a slow hash.
MIN_STRENGTH = 3
# zxcvbn reads this much at most (its matching is slow beyond); a longer password is judged by
# its beginning, which must be strong on its own.
STRENGTH_PREFIX = 72


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why a password may not be used, or None when it is acceptable."""
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", MIN_LENGTH) if has_app_context() else MIN_LENGTH
    password = password or ""
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    folded = password.lower()
    squeezed = "".join(ch for ch in folded if ch.isalnum())
    if folded in common_passwords() or squeezed in common_passwords():
        return "This password is on a list of commonly used passwords; choose another."
    if len(set(folded)) <= 2:
        return "This password repeats the same characters; choose another."
    if any(squeezed in run or squeezed in run[::-1] for run in SEQUENCES):
        return "This password is a run of keys or digits; choose another."
    remainder = squeezed
    for word in CONTEXT_WORDS:
        remainder = remainder.replace(word, "")
    if remainder != squeezed and len(remainder.strip("0123456789")) < 4:
        return "This password is too easy to guess; choose another."
    if username and len(username) >= 3 and username.lower() in folded:
        return "The password may not contain the user name."
    return _guessable(password, username)


def _guessable(password: str, username: str | None) -> str | None:
    """zxcvbn's reason why the password would be guessed soon, or None when it is strong."""
    words = [*CONTEXT_WORDS, *([username] if username else [])]
    estimate = zxcvbn(password[:STRENGTH_PREFIX], user_inputs=words)
    if estimate["score"] >= MIN_STRENGTH:
        return None
    feedback = estimate["feedback"]
    why = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
    return "This password is too easy to guess; choose another." + (f" {why}" if why else "")


def check_password(password: str) -> None:
    """FAB's password validator hook: raise with the reason when a password is refused."""
    problem = password_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)
