"""Reading the settings changes nothing on disk; the application makes its key file only when
neither the environment nor the caller gives a SECRET_KEY."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WATCH = """
import pathlib
writes = []
for name in ("write_text", "write_bytes", "touch", "mkdir"):
    def spy(self, *args, _name=name, **kwargs):
        writes.append((_name, str(self)))
    setattr(pathlib.Path, name, spy)
import config
print(repr(config.SECRET_KEY), writes)
"""


def test_importing_the_settings_writes_nothing():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run([sys.executable, "-c", WATCH], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "'' []"


def test_a_key_given_by_the_caller_is_used(app):
    assert app.config["SECRET_KEY"]  # the test app: from the environment or the key file
    from backoffice import create_app

    other = create_app({"SECRET_KEY": "given-by-the-caller", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert other.config["SECRET_KEY"] == "given-by-the-caller"
