"""Portal tests post many forms from one address: start each test with fresh rate limits."""
import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    limiter = app.appbuilder.sm.limiter
    if limiter.enabled and limiter.initialized:
        limiter.reset()
    yield
