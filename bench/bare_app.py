"""The baseline of the floor: a bare Flask app answering a small JSON object, nothing else
(no database, no sign-in). `python -m bench.canvass` measures it in the same process and under
the same gunicorn as the registry."""
from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    """A constant JSON answer."""
    return {"ok": True}
