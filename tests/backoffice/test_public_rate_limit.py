"""The public evidence-check and upload pages are rate-limited per address when limiting is on."""
from backoffice import create_app


def test_public_pages_are_rate_limited(app, database_url):
    limited = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "EVIDENCE_DIR": app.config["EVIDENCE_DIR"],
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_LINK_RATE_LIMIT": "3 per minute",
        }
    )
    client = limited.test_client()
    statuses = [client.get("/verify/evidence/not-a-token").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert client.get("/upload/not-a-token").status_code == 410  # its own budget
