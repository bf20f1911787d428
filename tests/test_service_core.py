"""The server's core: settings that refuse default secrets, the single writer, the error shape,
and authentication with keys and passwords."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from tenure.errors import ConfigError
from tenure.service import ServiceSettings, create_app, load_service_settings
from tenure.service.security import Role, Scope
from tenure.service.writer import Writer

SECRET = "s" * 40


@pytest.fixture
def project(tmp_path):
    (tmp_path / "tenure.yaml").write_text("service:\n  port: 9000\n")
    return tmp_path


@pytest.fixture
def client(project):
    app = create_app(project, ServiceSettings(secret_key=SECRET))
    with TestClient(app) as c:
        yield c


def _user_and_key(client, name="ana", role=Role.manager, scope=Scope.read):
    state = client.app.state.tenure
    state.writer.submit(lambda wh: state.auth.add_user(wh, name=name, role=role,
                                                       password="correct horse")).result()
    return state.writer.submit(lambda wh: state.auth.add_key(wh, user=name, scope=scope)
                               ).result()[1]


@pytest.mark.parametrize("secret", ["", "changethis", "short-secret"])
def test_the_server_refuses_an_empty_placeholder_or_short_secret(project, secret, monkeypatch):
    monkeypatch.setenv("TENURE_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="TENURE_SECRET_KEY"):
        load_service_settings(project)


def test_dev_mode_binds_to_loopback_and_generates_a_secret(project, monkeypatch):
    monkeypatch.delenv("TENURE_SECRET_KEY", raising=False)
    settings = load_service_settings(project, dev=True, host="0.0.0.0")
    assert settings.host == "127.0.0.1"
    assert len(settings.secret_key.get_secret_value()) >= 32
    assert settings.port == 9000  # from tenure.yaml's service: section


def test_the_environment_wins_over_tenure_yaml(project, monkeypatch):
    monkeypatch.setenv("TENURE_SECRET_KEY", SECRET)
    monkeypatch.setenv("TENURE_PORT", "9100")
    assert load_service_settings(project).port == 9100
    assert load_service_settings(project, port=9200).port == 9200


def test_an_unknown_service_setting_is_named(project, monkeypatch):
    monkeypatch.setenv("TENURE_SECRET_KEY", SECRET)
    (project / "tenure.yaml").write_text("service:\n  prot: 9000\n")
    with pytest.raises(ConfigError, match="prot"):
        load_service_settings(project)


def test_every_error_has_one_shape(client):
    for response in (client.get("/api/v1/status"), client.get("/no/such/path"),
                     client.post("/api/v1/health")):
        body = response.json()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"status", "code", "message", "details"}
        assert body["error"]["status"] == response.status_code
        assert body["error"]["message"]
    assert client.get("/api/v1/status").status_code == 401
    assert client.get("/no/such/path").json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/health").json()["error"]["code"] == "method_not_allowed"


def test_a_key_or_a_password_authenticates_and_a_wrong_one_does_not(client):
    key = _user_and_key(client)
    assert client.get("/api/v1/status", headers={"Authorization": f"Bearer {key}"}
                      ).status_code == 200
    # Segment sends the write key as the Basic user name with an empty password.
    assert client.get("/api/v1/status", auth=(key, "")).status_code == 200
    assert client.get("/api/v1/status", auth=("ana", "correct horse")).status_code == 200
    for headers in ({"Authorization": f"Bearer {key}x"}, {"Authorization": "Bearer tk_nope"},
                    {"Authorization": "Basic !!!"}):
        response = client.get("/api/v1/status", headers=headers)
        assert response.status_code == 401, headers
        assert "wrong" in response.json()["error"]["message"]
    assert client.get("/api/v1/status", auth=("ana", "wrong horse")).status_code == 401


def test_a_revoked_key_is_refused(client):
    key = _user_and_key(client)
    state = client.app.state.tenure
    key_id = key.split("_")[1]
    assert state.writer.submit(lambda wh: state.auth.revoke_key(wh, key_id)).result()
    assert client.get("/api/v1/status", headers={"Authorization": f"Bearer {key}"}
                      ).status_code == 401


def test_passwords_are_kept_only_as_argon2_hashes(client):
    _user_and_key(client)
    with client.app.state.tenure.writer.reader() as wh:
        stored = wh.con.con.execute("SELECT password_hash FROM service_users").fetchone()[0]
    assert stored.startswith("$argon2")
    assert "correct horse" not in stored


def test_readers_see_only_committed_writes_and_never_wait_for_the_writer(tmp_path):
    writer = Writer(tmp_path / "w.duckdb")
    writer.submit(lambda wh: wh.con.con.execute("CREATE TABLE t (n INTEGER)")).result()
    inside, release = threading.Event(), threading.Event()

    def slow_write(wh):
        raw = wh.con.con
        raw.execute("BEGIN TRANSACTION")
        raw.execute("INSERT INTO t SELECT * FROM range(1000)")
        inside.set()
        release.wait(timeout=30)
        raw.execute("COMMIT")

    done = writer.submit(slow_write)
    assert inside.wait(timeout=30)
    with writer.reader() as wh:  # the write is half done: the reader sees none of it
        assert wh.con.con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    release.set()
    done.result()
    with writer.reader() as wh:
        assert wh.con.con.execute("SELECT count(*) FROM t").fetchone()[0] == 1000
    writer.close()


def test_writes_run_one_at_a_time_in_the_order_submitted(tmp_path):
    writer = Writer(tmp_path / "w.duckdb")
    writer.submit(lambda wh: wh.con.con.execute("CREATE TABLE t (n INTEGER)")).result()
    futures = [writer.submit(lambda wh, i=i: wh.con.con.execute("INSERT INTO t VALUES (?)", [i]))
               for i in range(50)]
    for f in futures:
        f.result()
    with writer.reader() as wh:
        rows = [r[0] for r in wh.con.con.execute("SELECT n FROM t").fetchall()]
    assert rows == list(range(50))
    writer.close()


def test_doctests():
    import doctest

    from tenure.service import settings, writer

    for module in (settings, writer):
        assert doctest.testmod(module).failed == 0
