"""Bearer tokens decoded once per process, not on every request.

flask_jwt_extended decodes each request's token twice (once unverified to choose the key, once
verified: header, base64, JSON and the HMAC) before the view runs, about a sixth of the
cheapest authenticated API read. A token is a constant string: the claims it verified to
stay the same until it expires. `CachingJWTManager` keeps the last few thousand verified
tokens, keyed by the raw token, and decodes again (so refuses) once the token's `exp` (or any
time claim) says it is no longer valid. Only successful decodes are kept: a forged, expired or
malformed token is decoded, and refused, every time.

What a cached token does NOT skip: the user is still read on every request (an account made
inactive or a role taken away is refused on the next request), and the blocklist callbacks
of flask_jwt_extended run after decoding as before. Installed in one place:
RegistrySecurityManager.create_jwt_manager.

flask_jwt_extended also parses the verified token's header once more on every request
(`get_unverified_jwt_headers`, called by name from its view decorators, so not a method to
override: `install` replaces that name there with `unverified_header`, kept per token).
"""
import functools
import threading
import time
from collections import OrderedDict

import jwt as pyjwt
from flask_jwt_extended import JWTManager, view_decorators
from flask_jwt_extended.config import config

CACHE_SIZE = 4096


class CachingJWTManager(JWTManager):
    """flask_jwt_extended's manager with an LRU of verified tokens (see the module)."""

    def __init__(self, *args, cache_size: int = CACHE_SIZE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._verified: OrderedDict[tuple, dict] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        key = (encoded_token, csrf_value, allow_expired)
        with self._lock:
            claims = self._verified.get(key)
            if claims is not None:
                self._verified.move_to_end(key)
        if claims is not None and (allow_expired or _still_valid(claims)):
            return dict(claims)  # callers may add to it; the cached claims stay as verified
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        with self._lock:
            self._verified[key] = dict(claims)
            self._verified.move_to_end(key)
            while len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return claims

    def forget_tokens(self) -> None:
        """Drop every cached token (the next request of each decodes it again)."""
        with self._lock:
            self._verified.clear()


def _still_valid(claims: dict) -> bool:
    """The time claims PyJWT checked hold now as well (with the configured leeway)."""
    now = time.time()
    leeway = config.leeway
    exp = claims.get("exp")
    if exp is not None and now >= float(exp) + leeway:
        return False
    nbf = claims.get("nbf")
    return nbf is None or now >= float(nbf) - leeway


@functools.lru_cache(maxsize=CACHE_SIZE)
def _header_of(encoded_token: str) -> tuple:
    return tuple(pyjwt.get_unverified_header(encoded_token).items())


def unverified_header(encoded_token: str) -> dict:
    """The token's header as a new dict, parsed once per token (a pure function of the
    string; a token that does not parse raises PyJWT's DecodeError each time, as before)."""
    return dict(_header_of(encoded_token))


def install(app) -> CachingJWTManager:
    """The caching manager on `app`, and flask_jwt_extended's header parse replaced by the
    kept one (see the module)."""
    manager = CachingJWTManager()
    manager.init_app(app)
    view_decorators.get_unverified_jwt_headers = unverified_header
    return manager
