"""The files of a container image's final filesystem, read from its tarball without unpacking to disk.

Two layouts, both tar files: ``docker save`` (``manifest.json``: ``[{"RepoTags", "Layers": [paths]}]``)
and OCI image layout (``index.json`` → manifest blobs → layer blobs under ``blobs/sha256/``; Docker 25
and later write both, and the manifest.json is read first). Layers are tars, plain or gzipped.

The final filesystem is what the layers make applied in order (OCI image spec, layer.md "Whiteouts"):
``D/.wh.NAME`` deletes ``D/NAME`` (and what lies under it) from the layers below, ``D/.wh..wh..opq``
deletes everything below ``D`` from the layers below; a later entry replaces an earlier one at the same
path. A first pass over each layer's headers builds that map; a second streams the layers again and
yields the bytes of each surviving regular file that starts like an executable, one at a time.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from .container import sniff
from .errors import BinaryError

_WHITEOUT, _OPAQUE = ".wh.", ".wh..wh..opq"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # RFC 8878 3.1.1
_OCI_INDEX = ("application/vnd.oci.image.index.v1+json",
              "application/vnd.docker.distribution.manifest.list.v2+json")


@dataclass(frozen=True)
class Image:
    """One image of the tarball: a name to show and its layer members, bottom first."""

    name: str
    layers: tuple[str, ...]


def is_image(tar: tarfile.TarFile) -> bool:
    """The tarball has a top-level manifest.json or index.json (anywhere in it: Docker 25 and later
    write them after every blob, so an image of many layers has them past its first entries)."""
    names = set(tar.getnames())
    return bool(names & {"manifest.json", "./manifest.json", "index.json", "./index.json", "oci-layout"})


def images(tar: tarfile.TarFile, where: str) -> list[Image]:
    """The images a ``docker save`` or OCI layout tarball holds.

    Raises:
        BinaryError: a manifest or index that is not the JSON its layout defines, or names a missing layer.
    """
    manifest = _json(tar, "manifest.json", where, required=False)
    if manifest is not None and not isinstance(manifest, list):
        raise BinaryError(f"unreadable image {where}: manifest.json is not a JSON list")
    if manifest:
        out = []
        for k, entry in enumerate(manifest):
            entry = _object(entry, where, f"manifest.json entry {k + 1}")
            tags = entry.get("RepoTags") or [f"image {k + 1}"]
            name = tags[0] if isinstance(tags, list) and isinstance(tags[0], str) else f"image {k + 1}"
            layers = _strings(entry.get("Layers") or [], where, f"manifest.json entry {k + 1}'s Layers")
            out.append(Image(name, tuple(_member(tar, p, where) for p in layers)))
        return out
    index = _json(tar, "index.json", where, required=True)
    return _oci(tar, index, where, "", depth=0)


#: How deep indexes may nest (an index naming an index ...); a blob that names itself would loop.
_MAX_DEPTH = 8


def _oci(tar: tarfile.TarFile, index: Any, where: str, name: str, depth: int) -> list[Image]:
    if depth > _MAX_DEPTH:
        raise BinaryError(f"unreadable image {where}: indexes nested more than {_MAX_DEPTH} deep")
    out: list[Image] = []
    index = _object(index, where, "index.json" if depth == 0 else "an image index")
    descriptors = [_object(d, where, "a manifest descriptor") for d in _list(index.get("manifests", []),
                                                                            where, "manifests")]
    arm64 = [d for d in descriptors
             if isinstance(d.get("platform"), dict) and d["platform"].get("architecture") == "arm64"]
    for d in arm64 or descriptors:  # a multi-platform index: its arm64 images, if it names any
        digest = d.get("digest")
        blob = _object(_json(tar, _blob(digest, where), where, required=True), where, f"blob {digest}")
        annotations = d.get("annotations")
        ref = annotations.get("org.opencontainers.image.ref.name") if isinstance(annotations, dict) else None
        label = (ref if isinstance(ref, str) and ref else name) or str(digest)[:19]
        if d.get("mediaType") in _OCI_INDEX or "manifests" in blob:
            out += _oci(tar, blob, where, label, depth + 1)
        else:
            layers = [_object(layer, where, f"a layer of {digest}")
                      for layer in _list(blob.get("layers", []), where, f"layers of {digest}")]
            out.append(Image(label, tuple(_member(tar, _blob(layer.get("digest"), where), where)
                                          for layer in layers)))
    return out


def _object(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BinaryError(f"unreadable image {where}: {what} is not a JSON object")
    return value


def _list(value: Any, where: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise BinaryError(f"unreadable image {where}: {what} is not a JSON list")
    return value


def _strings(value: Any, where: str, what: str) -> list[str]:
    items = _list(value, where, what)
    if not all(isinstance(item, str) for item in items):
        raise BinaryError(f"unreadable image {where}: {what} is not a list of paths")
    return items


def _blob(digest: Any, where: str) -> str:
    if not isinstance(digest, str):
        raise BinaryError(f"unreadable image {where}: bad digest {digest!r}")
    algorithm, _, hexdigest = digest.partition(":")
    if not algorithm or not hexdigest or "/" in hexdigest or "/" in algorithm or algorithm.startswith("."):
        raise BinaryError(f"unreadable image {where}: bad digest {digest!r}")
    return f"blobs/{algorithm}/{hexdigest}"


def _member(tar: tarfile.TarFile, path: str, where: str, what: str = "layer") -> str:
    for name in (path, f"./{path}"):
        try:
            tar.getmember(name)
            return name
        except KeyError:
            continue
    raise BinaryError(f"unreadable image {where}: no {what} {path}")


def _json(tar: tarfile.TarFile, path: str, where: str, required: bool) -> Any:
    try:
        fh = tar.extractfile(_member(tar, path, where, "file" if path.endswith(".json") else "blob"))
    except BinaryError:
        if required:
            raise
        return None
    if fh is None:
        raise BinaryError(f"unreadable image {where}: {path} is not a file")
    try:
        return json.loads(fh.read(16 << 20))
    except (ValueError, RecursionError) as err:
        raise BinaryError(f"unreadable image {where}: {path}: {err}") from None


def _norm(name: str) -> str:
    """``./usr/bin/x``, ``usr/bin/x`` and ``/usr/bin/x`` are one path: ``/usr/bin/x``."""
    while name.startswith("./"):
        name = name[2:]
    return posixpath.normpath("/" + name.lstrip("/"))


def _layer(tar: tarfile.TarFile, member: str, where: str) -> tarfile.TarFile:
    fh: IO[bytes] | None = tar.extractfile(member)
    if fh is None:
        raise BinaryError(f"unreadable image {where}: layer {member} is not a file")
    try:
        return tarfile.open(fileobj=fh, mode="r|*")  # plain or gzip, streamed
    except tarfile.TarError as err:
        head = tar.extractfile(member)
        zstd = head is not None and head.read(4) == _ZSTD_MAGIC
        why = "zstd-compressed layers are not read" if zstd else f"not a tar or gzipped tar ({err})"
        raise BinaryError(f"unreadable image {where}: layer {member}: {why}") from None


def final_files(tar: tarfile.TarFile, image: Image, where: str) -> dict[str, tuple[int, int]]:
    """Path → (layer index, offset of the member's header in that layer) of every regular file of the
    final filesystem. The offset, not the name, says which member: a layer may hold a name twice (the
    later one wins, as for any tar)."""
    fs: dict[str, tuple[int, int, bool]] = {}  # path → (layer, header offset, is a directory)
    for k, member in enumerate(image.layers):
        entries: list[tuple[str, tarfile.TarInfo]] = []
        with _layer(tar, member, where) as layer:
            try:
                for info in layer:
                    entries.append((_norm(info.name), info))
            except (tarfile.TarError, OSError, EOFError) as err:
                raise BinaryError(f"unreadable image {where}: layer {member}: {err}") from None
        below = dict(fs)  # what the layers below have: a hard link may name a file this layer whites out
        for path, _ in entries:  # whiteouts hide what the layers below have
            folder, base = posixpath.split(path)
            if base == _OPAQUE:
                _remove_below(fs, folder, keep_self=True)
            elif base.startswith(_WHITEOUT):
                _remove_below(fs, posixpath.join(folder, base[len(_WHITEOUT) :]), keep_self=False)
        for path, info in entries:
            base = posixpath.basename(path)
            if base.startswith(_WHITEOUT):
                continue
            before = fs.get(path)
            if before is not None and before[2] and not info.isdir():
                _remove_below(fs, path, keep_self=True)  # a file replacing a folder hides its contents
            if info.isreg():
                fs[path] = (k, info.offset, False)
            elif info.islnk():  # a hard link: the same bytes as its target (this layer or one below)
                target = fs.get(_norm(info.linkname)) or below.get(_norm(info.linkname))
                if target is not None and not target[2]:
                    fs[path] = target
                else:
                    fs.pop(path, None)
            elif info.isdir():
                fs[path] = (k, info.offset, True)
            else:
                fs.pop(path, None)  # symlinks and special files: not scanned (their targets are)
    return {path: (k, offset) for path, (k, offset, folder) in fs.items() if not folder}


def _remove_below(fs: dict[str, tuple[int, int, bool]], path: str, keep_self: bool) -> None:
    """Forget path's contents (and path itself unless keep_self). A walk over every path: whiteouts and
    folders replaced by files are rare, so the common entry costs one dictionary look-up."""
    prefix = path.rstrip("/") + "/"
    for p in [p for p in fs if p.startswith(prefix) or (p == path and not keep_self)]:
        del fs[p]


def executables(tar: tarfile.TarFile, image: Image, where: str, limit: int) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of each file of the final filesystem that starts like ELF or Mach-O, up to limit
    bytes each (larger ones are yielded with empty bytes, for the caller to report)."""
    survivors = final_files(tar, image, where)
    by_layer: dict[int, dict[int, list[str]]] = {}
    for path, (k, offset) in sorted(survivors.items()):
        by_layer.setdefault(k, {}).setdefault(offset, []).append(path)
    for k, member in enumerate(image.layers):
        wanted = by_layer.get(k)
        if not wanted:
            continue
        with _layer(tar, member, where) as layer:
            try:
                for info in layer:
                    paths = wanted.get(info.offset)
                    if not paths or not info.isreg():
                        continue
                    fh = layer.extractfile(info)
                    head = fh.read(4) if fh is not None else b""
                    if fh is None or sniff(head) is None:
                        continue
                    data = b"" if info.size > limit else head + fh.read()
                    for path in paths:
                        yield path, data
            except (tarfile.TarError, OSError, EOFError) as err:
                raise BinaryError(f"unreadable image {where}: layer {member}: {err}") from None
