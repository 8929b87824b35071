"""The book's widget scripts: checked against their pinned sha512, refused when they differ."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile

import pytest

from tools import widgetjs


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_a_tarball_matches_only_its_own_integrity():
    data = tarball({"package/require.js": b"define()"})
    assert widgetjs.verified(data, integrity(data))
    assert not widgetjs.verified(data + b"x", integrity(data))


def test_unpack_keeps_only_what_the_book_serves(tmp_path):
    data = tarball({"package/dist/embed-amd.js": b"js", "package/dist/a.woff2": b"font",
                    "package/dist/embed.js.map": b"map"})
    widgetjs.unpack(data, {"package/dist/embed-amd.js": "hm", "package/dist/*.woff2": "hm"}, tmp_path)
    assert sorted(p.name for p in (tmp_path / "hm").iterdir()) == ["a.woff2", "embed-amd.js"]


def test_a_tampered_download_is_refused_and_nothing_kept(tmp_path, monkeypatch):
    fake = tarball({"package/require.js": b"not the real one"})
    monkeypatch.setattr(widgetjs.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(fake))
    with pytest.raises(widgetjs.WidgetJsUnavailable, match="does not match its pinned sha512"):
        widgetjs.ensure(tmp_path / "widget-js" / "widgets")
    assert not (tmp_path / "widget-js" / "widgets" / "VERSIONS").exists()


def test_no_registry_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(widgetjs, "REGISTRY", "http://127.0.0.1:9")
    with pytest.raises(widgetjs.WidgetJsUnavailable, match="build the book where the npm registry answers"):
        widgetjs.ensure(tmp_path / "widget-js" / "widgets")


def test_the_pinned_scripts_are_in_place_once_fetched():
    target = widgetjs.ensure()
    assert (target / "requirejs" / "require.js").stat().st_size > 10_000
    assert (target / "html-manager" / "embed-amd.js").stat().st_size > 1_000_000
    assert all((target.parent / "chapters" / path).is_dir() for path in widgetjs.FONT_PATHS)
