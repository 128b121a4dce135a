"""Container image tarballs as they come: links inside layers, a name written twice, large layers, and
every malformed shape a manifest or index can take, each one line and status 2, never a traceback.

Each tarball is built here; the expected final filesystem is worked out from the OCI image spec
(layer.md: whiteouts; a later entry replaces an earlier one) and tar's own rules (a hard link names
another member's bytes).
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from pathlib import Path

import pytest

from explainer.cli import main

from .test_scan_audit import _big_image
from .truth import FIXTURES

LEAF = FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped"  # exposed: main.big_stack, leaf
NONLEAF_FIXED = FIXTURES / "fast_nonleaf-go1.25.0-linux-arm64-stripped"  # nothing exposed
Cap = pytest.CaptureFixture[str]
Entry = tuple[str, str, "bytes | str | None"]  # (name, kind, bytes or link target)


def _scan(capsys: Cap, *args: str) -> tuple[int, str, str]:
    status = main(["scan", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _layer(entries: list[Entry]) -> bytes:
    """A layer: f a regular file, d a folder, h a hard link, s a symlink, p a FIFO."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "f":
                assert isinstance(data, bytes)
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"d": tarfile.DIRTYPE, "h": tarfile.LNKTYPE, "s": tarfile.SYMTYPE,
                         "p": tarfile.FIFOTYPE}[kind]
            info.linkname = data if isinstance(data, str) else ""
            tar.addfile(info)
    return buf.getvalue()


def _outer(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _save(path: Path, layers: list[bytes]) -> Path:
    names = [f"{k}/layer.tar" for k in range(len(layers))]
    manifest = json.dumps([{"RepoTags": ["t:1"], "Layers": names}]).encode()
    return _outer(path, {"manifest.json": manifest, **dict(zip(names, layers, strict=True))})


def _rows(capsys: Cap, image: Path) -> dict[str, int]:
    status, out, err = _scan(capsys, str(image), "--jsonl")
    assert err == "", err
    return {json.loads(line)["path"].removeprefix(f"{image}:"): json.loads(line)["exposed"]
            for line in out.splitlines()}


def test_hard_links_are_the_bytes_they_name_across_layers_and_whiteouts(tmp_path: Path, capsys: Cap) -> None:
    leaf = LEAF.read_bytes()
    image = _save(tmp_path / "i.tar", [
        _layer([("bin/a", "f", leaf), ("bin/keep", "h", "bin/a"), ("./bin/gone", "f", leaf),
                ("bin/sym", "s", "a"), ("bin/abs", "s", "/bin/a"), ("bin/pipe", "p", None)]),
        _layer([("bin/.wh.a", "f", b""), ("bin/up", "h", "./bin/gone"), ("bin/.wh.gone", "f", b"")]),
    ])
    # a is whited out but keep (its hard link from layer 1) stays; up links to gone in the layer below,
    # and gone is whited out in the same layer, which hides only what lies below it, so up stays too;
    # symlinks and the FIFO are not files of their own
    assert _rows(capsys, image) == {"/bin/keep": 1, "/bin/up": 1}


def test_a_name_written_twice_in_a_layer_is_the_later_one(tmp_path: Path, capsys: Cap) -> None:
    image = _save(tmp_path / "i.tar", [
        _layer([("bin/x", "f", LEAF.read_bytes()), ("bin/x", "f", b"#!/bin/sh\n"),
                ("bin/y", "f", b"#!/bin/sh\n"), ("bin/y", "f", NONLEAF_FIXED.read_bytes())]),
    ])
    assert _rows(capsys, image) == {"/bin/y": 0}  # x is a script now; y the fixed binary


def test_a_file_replacing_a_folder_hides_what_was_in_it(tmp_path: Path, capsys: Cap) -> None:
    image = _save(tmp_path / "i.tar", [
        _layer([("opt/", "d", None), ("opt/app", "f", LEAF.read_bytes())]),
        _layer([("opt", "f", NONLEAF_FIXED.read_bytes())]),
    ])
    assert _rows(capsys, image) == {"/opt": 0}


def test_a_layer_of_30000_files_is_read_in_seconds(tmp_path: Path, capsys: Cap) -> None:
    """Each entry costs a look-up, not a walk over every path met so far (29.8 s before, 1.5 s after)."""
    _big_image(tmp_path / "big.tar")
    started = time.monotonic()
    assert _rows(capsys, tmp_path / "big.tar") == {"/usr/bin/app": 1}
    assert time.monotonic() - started < 10


MANIFEST = "manifest.json"
INDEX = "index.json"
MALFORMED: dict[str, tuple[dict[str, bytes], str]] = {
    "manifest not JSON": ({MANIFEST: b'[{"Layers": ['}, "manifest.json: Expecting value"),
    "manifest an object": ({MANIFEST: b'{"Layers": []}'}, "manifest.json is not a JSON list"),
    "manifest of numbers": ({MANIFEST: b"[1, 2]"}, "manifest.json entry 1 is not a JSON object"),
    "manifest of null": ({MANIFEST: b"[null]"}, "manifest.json entry 1 is not a JSON object"),
    "Layers a string": ({MANIFEST: b'[{"Layers": "a.tar"}]'},
                        "manifest.json entry 1's Layers is not a JSON list"),
    "Layers of numbers": ({MANIFEST: b'[{"Layers": [5]}]'},
                          "manifest.json entry 1's Layers is not a list of paths"),
    "missing layer": ({MANIFEST: b'[{"Layers": ["no.tar"]}]'}, "no layer no.tar"),
    "layer not a tar": ({MANIFEST: b'[{"Layers": ["l.tar"]}]', "l.tar": b"\x01garbage" * 100},
                        "layer l.tar: not a tar or gzipped tar"),
    "zstd layer": ({MANIFEST: b'[{"Layers": ["l.tar"]}]', "l.tar": b"\x28\xb5\x2f\xfd" + b"\x00" * 600},
                   "layer l.tar: zstd-compressed layers are not read"),
    "index a list": ({INDEX: b"[1]"}, "index.json is not a JSON object"),
    "digest a number": ({INDEX: b'{"manifests": [{"digest": 5}]}'}, "bad digest 5"),
    "digest climbs out": ({INDEX: b'{"manifests": [{"digest": "sha256:../../x"}]}'}, "bad digest"),
    "platform a string": ({INDEX: b'{"manifests": [{"platform": "arm64", "digest": "sha256:ab"}]}'},
                          "no blob blobs/sha256/ab"),
    "layers of numbers": ({INDEX: b'{"manifests": [{"digest": "sha256:aa"}]}',
                           "blobs/sha256/aa": b'{"layers": [5]}'},
                          "a layer of sha256:aa is not a JSON object"),
    "an index naming itself": ({INDEX: b'{"manifests": [{"digest": "sha256:aa"}]}',
                                "blobs/sha256/aa": b'{"manifests": [{"digest": "sha256:aa"}]}'},
                               "indexes nested more than 8 deep"),
    "JSON nested too deep": ({INDEX: b"[" * 100_000 + b"]" * 100_000}, "index.json: maximum recursion depth"),
    "no index": ({"oci-layout": b"{}"}, "no file index.json"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_image_is_one_line_and_status_2(case: str, tmp_path: Path, capsys: Cap) -> None:
    members, said = MALFORMED[case]
    image = _outer(tmp_path / "bad.tar", members)
    status, out, err = _scan(capsys, str(image))
    assert (status, out) == (2, "")
    assert err.startswith(f"explainer: unreadable image {image}: {said}") and err.count("\n") == 1, err


def test_a_truncated_image_is_one_line(tmp_path: Path, capsys: Cap) -> None:
    """Cut inside its second layer: every layer's headers are read before any file is scanned, so the
    image is reported whole, once."""
    whole = _save(tmp_path / "whole.tar", [_layer([("bin/a", "f", LEAF.read_bytes())]),
                                           _layer([("bin/b", "f", NONLEAF_FIXED.read_bytes())])])
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[:-len(NONLEAF_FIXED.read_bytes()) // 2])  # inside the second layer
    status, out, err = _scan(capsys, str(cut))
    assert (status, out) == (2, "")
    assert err == f"explainer: unreadable image {cut}: unexpected end of data\n"


def test_a_gzipped_image_is_read_named_or_in_a_folder(tmp_path: Path, capsys: Cap) -> None:
    """``docker save IMAGE | gzip > image.tar.gz``: the tarball itself compressed."""
    import gzip

    plain = _save(tmp_path / "i.tar", [_layer([("bin/a", "f", LEAF.read_bytes())])])
    (tmp_path / "folder").mkdir()
    packed = tmp_path / "folder" / "i.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    assert _rows(capsys, packed) == {"/bin/a": 1}
    status, out, _ = _scan(capsys, str(tmp_path / "folder"), "--json")
    assert status == 1 and [b["path"] for b in json.loads(out)["binaries"]] == [f"{packed}:/bin/a"]


def test_an_image_whose_index_comes_after_many_blobs(tmp_path: Path, capsys: Cap) -> None:
    """Docker 25 and later write blobs/ first and index.json, manifest.json after them: 80 layers."""
    layers = [_layer([(f"d{k}/f", "f", b"x")]) for k in range(79)]
    layers.append(_layer([("bin/a", "f", LEAF.read_bytes())]))
    names = [f"blobs/sha256/{k:064x}" for k in range(len(layers))]
    manifest = json.dumps([{"RepoTags": ["t:1"], "Layers": names}]).encode()
    image = _outer(tmp_path / "i.tar", {**dict(zip(names, layers, strict=True)), "manifest.json": manifest})
    assert _rows(capsys, image) == {"/bin/a": 1}
