"""Delivery from S3: a release published to an S3-compatible server on loopback (moto)
is listed and downloaded through the same API, byte for byte, ranges included."""

from __future__ import annotations

import hashlib
import socket

import pytest

from onconode.release.builder import build
from onconode.release.storage import Storage

from tests.release.conftest import DURING_TERM
from tests.release.test_delivery import client_for, login, served  # noqa: F401  (fixture)


@pytest.fixture
def s3_url(monkeypatch: pytest.MonkeyPatch):
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for k, v in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint})
    fs.mkdir("releases-bucket")
    monkeypatch.setenv("ONCONODE_RELEASE_STORAGE", "s3://releases-bucket/onconode")
    monkeypatch.setenv("ONCONODE_RELEASE_STORAGE_OPTIONS", f'{{"client_kwargs": {{"endpoint_url": "{endpoint}"}}}}')
    yield endpoint
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def test_a_release_published_to_s3_is_downloaded_byte_for_byte(served, s3_url):  # noqa: F811
    env, app_id, clock, node = served
    storage = Storage.for_home(env.home)
    assert storage.manifest(app_id) is None, "nothing is visible before publishing"
    built = build(env.home, env.store, env.gov, app_id, at=DURING_TERM)
    storage.publish(built.path, app_id)
    assert storage.manifest(app_id)["files"] == built.manifest["files"]
    with client_for(node) as c:
        login(c, env.world.contact, clock)
        files = c.get(f"/api/releases/{app_id}").json()["files"]
        vcf = next(f for f in files if f["path"].endswith(".vcf.gz"))
        whole = c.get(vcf["url"])
        assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == vcf["sha256"]
        part = c.get(vcf["url"], headers={"Range": "bytes=100-"})
        assert part.status_code == 206 and part.content == whole.content[100:]
