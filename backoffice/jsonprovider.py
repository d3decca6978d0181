"""JSON responses encoded by orjson, with Flask's conventions for everything else.

Canvass results and the camera layer are hundreds of objects per response; the standard
encoder spends more time on them than the database does. Output is the same as Flask's
(sorted keys, compact, dates as HTTP dates); only the encoder is faster. Anything orjson
refuses (integers beyond 64 bits, say) falls back to the standard encoder.
"""
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_COMPACT = {"separators": (",", ":")}
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson doing the encoding of responses."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs and kwargs != _COMPACT:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except (TypeError, orjson.JSONEncodeError):
            return super().dumps(obj, **kwargs)
