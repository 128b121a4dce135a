"""``explainer scan PATH...`` over folders and container images: what is scanned, skipped and reported,
the machine formats (JSON lines, SARIF validated against the official 2.1.0 schema), exit statuses.

The expected answers are worked out here from how each folder or image was built (which files a
whiteout removes, which fixtures are exposed: test_scan_truth.py holds those against objdump).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import jsonschema
import pytest

from explainer.cli import main

from .terminal import scan_on_a_terminal
from .truth import FIXTURES

LEAF = FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped"  # exposed: main.big_stack, leaf
NONLEAF_OLD = FIXTURES / "fast_nonleaf-go1.23.4-linux-arm64-stripped"  # exposed: main.big_stack, non-leaf
NONLEAF_FIXED = FIXTURES / "fast_nonleaf-go1.25.0-linux-arm64-stripped"  # nothing exposed
AMD64 = FIXTURES / "fast_leaf-go1.25.0-linux-amd64-stripped"
C_ARM64 = FIXTURES / "hello-c-linux-arm64"
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif" / "sarif-2.1.0-rtm.5.json"
Cap = pytest.CaptureFixture[str]


def _scan(capsys: Cap, *args: str) -> tuple[int, str, str]:
    status = main(["scan", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A folder as an SRE might have: two exposed binaries, a fixed one, other things to skip, one
    truncated Go binary, a symlink out of the tree and a FIFO."""
    root = tmp_path / "fleet"
    (root / "bin").mkdir(parents=True)
    (root / "srv" / "deep").mkdir(parents=True)
    shutil.copy(LEAF, root / "bin" / "leafy")
    shutil.copy(NONLEAF_OLD, root / "srv" / "deep" / "old-server")
    shutil.copy(NONLEAF_FIXED, root / "srv" / "fixed-server")
    shutil.copy(AMD64, root / "bin" / "x86")
    shutil.copy(C_ARM64, root / "bin" / "hello")
    (root / "README.txt").write_text("not a binary\n")
    (root / "bin" / "cut").write_bytes(LEAF.read_bytes()[:400_000])
    outside = tmp_path / "outside"
    shutil.copy(LEAF, outside)
    (root / "bin" / "link").symlink_to(outside)
    os.mkfifo(root / "srv" / "pipe")
    return root


def test_a_folder_scans_the_go_binaries_and_counts_the_rest(fleet: Path, capsys: Cap) -> None:
    status, out, err = _scan(capsys, str(fleet))
    lines = out.splitlines()
    assert status == 1 and err == ""
    assert lines[0].startswith(f"{fleet}/bin/cut: error: truncated: {fleet}/bin/cut is 400,000 bytes but ")
    assert lines[1].startswith(f"{fleet}/bin/leafy: go1.25.0, elf, stripped: 1,361 functions scanned")
    assert lines[2] == "  main.big_stack  entry 0x7d090  0x7d130 ; 0x7d134  frame 65,552 B leaf  leaf-split"
    assert lines[3].startswith(f"{fleet}/srv/deep/old-server: go1.23.4")
    assert lines[4].startswith("  main.big_stack  entry 0x77be0  0x77c9c ; 0x77ca0  frame 65,584 B non-leaf")
    assert lines[5].startswith(f"{fleet}/srv/fixed-server: go1.25.0") and lines[5].endswith("0 exposed")
    assert lines[6].startswith("scanned 3 Go arm64 binaries in ")
    assert lines[6].endswith("(go1.23.4: 1, go1.25.0: 2); skipped 5 (not a Go binary: 1, not an executable: "
                             "1, other architecture: 1, special file: 1, symlink (not followed): 1); "
                             "1 unreadable (listed above)")
    assert lines[7] == "exposed: 2 binaries, 2 functions (1 leaf-split, 1 nonleaf-split)"
    # the findings that cannot crash, said in the output itself: leafy's debugCall65536, old-server's 9
    # runtime assembly pairs (10 findings, 1 exposed in its unstripped twin), fixed-server's 1
    assert lines[8] == ("not exposed: 11 findings in 3 binaries (assembly: 11): SP moved in two "
                        "writes, but isAsyncSafePoint will not stop a goroutine between them; nothing to do")
    assert lines[9].startswith("what to do: non-leaf frames") and lines[9].endswith(
        f"({fleet}/srv/deep/old-server)")
    assert lines[10].startswith("what to do: leaf frames") and lines[10].endswith(f"({fleet}/bin/leafy)")
    assert len(lines) == 11


def test_exit_status(fleet: Path, tmp_path: Path, capsys: Cap) -> None:
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    shutil.copy(NONLEAF_FIXED, fixed / "a")
    assert _scan(capsys, str(fixed))[0] == 0  # nothing exposed
    assert _scan(capsys, str(fleet))[0] == 1  # exposed; the truncated binary does not change it
    assert _scan(capsys, str(fixed), str(fleet / "bin" / "cut"))[0] == 0
    assert _scan(capsys, "--strict", str(fixed), str(fleet / "bin" / "cut"))[0] == 2
    status, out, err = _scan(capsys, str(fleet / "bin" / "cut"), str(tmp_path / "missing"))
    assert (status, out) == (2, "")  # nothing readable at all: one line per file
    first, second = err.splitlines()  # in the order the paths were given
    assert first.startswith(f"explainer: truncated: {fleet}/bin/cut is 400,000 bytes but ")
    assert second == f"explainer: no such file: {tmp_path}/missing"
    assert _scan(capsys, "-j", "0", str(fixed))[0] == 2


def test_jsonl_is_one_valid_line_per_binary(fleet: Path, capsys: Cap) -> None:
    status, out, _ = _scan(capsys, str(fleet), "--jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert sorted((r["path"].removeprefix(f"{fleet}/"), r["status"]) for r in rows) == [
        ("bin/cut", "error"), ("bin/leafy", "scanned"), ("srv/deep/old-server", "scanned"),
        ("srv/fixed-server", "scanned")]
    exposed = {r["path"].removeprefix(f"{fleet}/"): r["exposed"] for r in rows if r["status"] == "scanned"}
    assert exposed == {"bin/leafy": 1, "srv/deep/old-server": 1, "srv/fixed-server": 0}


def test_json_is_one_object_for_the_run(fleet: Path, capsys: Cap) -> None:
    status, out, _ = _scan(capsys, str(fleet), "--json")
    run = json.loads(out)
    assert status == 1 and run["summary"] == {
        "scanned": 3, "by_release": {"go1.23.4": 1, "go1.25.0": 2},
        "skipped": {"not a Go binary": 1, "not an executable": 1, "other architecture": 1, "special file": 1,
                    "symlink (not followed)": 1},
        "errors": 1, "exposed_binaries": 2, "exposed_functions": {"leaf-split": 1, "nonleaf-split": 1},
        "not_exposed": {"assembly-function": 11}}
    assert [b["status"] for b in run["binaries"]] == ["error", "scanned", "scanned", "scanned"]
    assert {s["path"].removeprefix(f"{fleet}/"): s["reason"] for s in run["skipped"]} == {
        "README.txt": "not an executable", "bin/hello": "not a Go binary", "bin/x86": "other architecture",
        "bin/link": "symlink (not followed)", "srv/pipe": "special file"}


def test_sarif_is_valid_sarif_2_1_0_with_one_result_per_exposed_function(fleet: Path, capsys: Cap) -> None:
    status, out, _ = _scan(capsys, str(fleet), "--sarif")
    log = json.loads(out)
    schema = json.loads(SCHEMA.read_text())
    # as @microsoft/jest-sarif 1.0.0-beta.0 ships it
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == \
        "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
    jsonschema.Draft4Validator(schema).validate(log)
    (run,) = log["runs"]
    assert status == 1 and log["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["nonleaf-split", "leaf-split"]
    results = sorted(run["results"], key=lambda r: r["ruleId"])
    assert [(r["ruleId"], r["properties"]["function"], r["properties"]["pcs"]) for r in results] == [
        ("leaf-split", "main.big_stack", [0x7D130, 0x7D134]),
        ("nonleaf-split", "main.big_stack", [0x77C9C, 0x77CA0])]
    leaf = results[0]
    uri = leaf["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"file://{fleet}/bin/leafy" and "0x7d130 and 0x7d134" in leaf["message"]["text"]
    assert leaf["locations"][0]["logicalLocations"][0] == {"name": "main.big_stack", "kind": "function",
                                                           "fullyQualifiedName": "main.big_stack"}
    (invocation,) = run["invocations"]  # the truncated binary: the run was not complete
    assert not invocation["executionSuccessful"]
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith("truncated: ")


def test_the_schema_rejects_what_is_not_sarif(fleet: Path, capsys: Cap) -> None:
    """The validation can fail: a result without its message is refused by the schema."""
    log = json.loads(_scan(capsys, str(fleet), "--sarif")[1])
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)


def test_one_worker_and_several_find_the_same(fleet: Path, capsys: Cap) -> None:
    one = json.loads(_scan(capsys, str(fleet), "--json", "-j", "1")[1])
    two = json.loads(_scan(capsys, str(fleet), "--json", "-j", "2")[1])
    assert one == two


def test_a_progress_bar_on_a_terminal(fleet: Path) -> None:
    """stderr on a pseudo-terminal: rich draws the bar there (and clears it); stdout keeps the report."""
    status, out, drawn = scan_on_a_terminal(str(fleet), "-j", "2", columns=100)
    assert status == 1 and b"exposed: 2 binaries" in out
    assert b"scanning" in drawn and b"5/5" in drawn  # every file that starts like an arm64 executable


# ---- container images --------------------------------------------------------------------------------

def _tar(files: dict[str, bytes | None], gz: bool = False) -> bytes:
    """A layer: path → contents (None: a directory)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0) if gz else buf.getvalue()


def _layers() -> list[bytes]:
    """Three layers. Final filesystem: /usr/bin/leafy, /srv/app (fixed) and /opt/new (old non-leaf);
    /usr/bin/gone is deleted by a whiteout, everything under /opt/ before layer 3 by an opaque marker."""
    return [
        _tar({"usr/": None, "usr/bin/": None, "usr/bin/leafy": LEAF.read_bytes(),
              "usr/bin/gone": NONLEAF_OLD.read_bytes(), "opt/": None, "opt/old": NONLEAF_OLD.read_bytes(),
              "etc/passwd": b"root:x:0:0\n"}),
        _tar({"./usr/bin/.wh.gone": b"", "srv/": None, "srv/app": NONLEAF_FIXED.read_bytes()}, gz=True),
        _tar({"opt/": None, "opt/.wh..wh..opq": b"", "opt/new": NONLEAF_OLD.read_bytes()}, gz=True),
    ]


def _docker_save(path: Path) -> None:
    layers = _layers()
    with tarfile.open(path, "w") as tar:
        names = [f"{k}/layer.tar" for k in range(len(layers))]
        manifest = json.dumps([{"Config": "config.json", "RepoTags": ["shop/api:1.0"], "Layers": names}])
        for name, data in [("manifest.json", manifest.encode()), ("config.json", b"{}"),
                           *zip(names, layers, strict=True)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _oci_layout(path: Path) -> None:
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return f"sha256:{digest}"

    layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(d), "size": len(d)}
              for d in _layers()]
    manifest = json.dumps({"schemaVersion": 2, "config": {"digest": blob(b"{}")}, "layers": layers}).encode()
    amd64 = json.dumps({"schemaVersion": 2, "layers": []}).encode()
    index = {"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(amd64),
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(manifest),
         "platform": {"architecture": "arm64", "os": "linux"},
         "annotations": {"org.opencontainers.image.ref.name": "1.0"}}]}
    with tarfile.open(path, "w") as tar:
        for name, data in [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'),
                           ("index.json", json.dumps(index).encode()), *blobs.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("layout", [_docker_save, _oci_layout], ids=["docker-save", "oci"])
def test_an_image_is_scanned_as_its_final_filesystem(layout, tmp_path: Path, capsys: Cap,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    image = tmp_path / "image.tar"
    layout(image)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(work))
    status, out, _ = _scan(capsys, str(image), "--jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert sorted((r["path"], r["exposed"]) for r in rows) == [
        (f"{image}:/opt/new", 1), (f"{image}:/srv/app", 0), (f"{image}:/usr/bin/leafy", 1)]
    assert list(work.iterdir()) == [], "nothing unpacked to disk"


def test_an_image_in_a_folder_and_its_summary(tmp_path: Path, capsys: Cap) -> None:
    (tmp_path / "images").mkdir()
    _docker_save(tmp_path / "images" / "api.tar")
    status, out, _ = _scan(capsys, str(tmp_path / "images"))
    lines = out.splitlines()
    summary = lines[next(k for k, line in enumerate(lines) if line.startswith("scanned ")):]
    assert status == 1 and summary[0].startswith("scanned 3 Go arm64 binaries")
    assert summary[1] == "exposed: 2 binaries, 2 functions (1 leaf-split, 1 nonleaf-split)"


def test_a_tar_that_is_not_an_image_is_said_when_named_alone(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "plain.tar"
    path.write_bytes(_tar({"a": LEAF.read_bytes()}))
    status, _, err = _scan(capsys, str(path))
    assert status == 2 and err == (f"explainer: not an image: {path} is a tar file without manifest.json or "
                                   "index.json\n")
