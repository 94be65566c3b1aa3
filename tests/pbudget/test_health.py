"""/healthz: 200 with both up, 200 "degraded" naming Redis when it is down, 503 without
PostgreSQL."""

from django.db import OperationalError


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_says_degraded_naming_redis_when_it_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["redis"].startswith("unavailable")


def test_healthz_names_the_database_when_it_is_down(client, db, monkeypatch):
    def unreachable_database():
        raise OperationalError("connection refused")

    # The health view's own probe fails as it would with PostgreSQL stopped; the test
    # database itself stays up for the rest of the suite.
    monkeypatch.setattr("pbudget.views._ping_database", unreachable_database)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable: OperationalError"
    assert response.json()["redis"] == "ok"
