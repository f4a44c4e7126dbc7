"""Signed offline pack bundles: the CSIRT builds and signs, the agency verifies before use.

A bundle is a zip: ``manifest.json`` (format, version, created, source, and every file with its
SHA-256 and size), ``manifest.sig`` (the Ed25519 signature of manifest.json's exact bytes,
base64) and the files under ``files/``. Verifying checks the signature with the CSIRT's public
key, then every file's SHA-256, and refuses unlisted members, unsafe names and oversize
members: a bad signature or a tampered file is refused with one line (:class:`BundleError`).
STIX and MISP files are turned into CSV when the bundle is built, so that the agency PC needs
no STIX library.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from canhgac.i18n import gettext as _

FORMAT = "canhgac-sweep-pack/1"
MAX_MEMBER = 50 * 1024 * 1024
MAX_MEMBERS = 1000
PACK_SUFFIXES = (".yar", ".yara", ".txt", ".csv", ".json")


class BundleError(ValueError):
    """A bundle, key or signature that cannot be used, in one line."""


@dataclass(frozen=True, slots=True)
class Bundle:
    """A verified bundle: its manifest and its files' texts by name."""

    manifest: dict[str, object]
    files: dict[str, str]
    sha256: str  # of the bundle file, as the result records it
    key_id: str  # the signer's key fingerprint


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key(path: Path) -> Path:
    """A new Ed25519 key pair: ``path`` (private, PEM, mode 0600) and ``path.pub``."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub = path.with_name(path.name + ".pub")
    pub.write_bytes(public_pem(private.public_key()))
    return pub


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise BundleError(
            _("cannot read the private key {path}: {error}").format(path=path, error=exc)
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(_("{path} is not an Ed25519 private key").format(path=path))
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """A PEM public key, or one line of base64 of the 32 raw bytes."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError(
            _("cannot read the public key {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    try:
        if b"BEGIN" in data:
            key = serialization.load_pem_public_key(data)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))
    except (ValueError, TypeError):
        raise BundleError(_("{path} is not an Ed25519 public key").format(path=path)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError(_("{path} is not an Ed25519 public key").format(path=path))
    return key


def _csv_of_json(name: str, data: bytes) -> str:
    from canhgac.indicators.imports import read_pack
    from canhgac.indicators.model import IndicatorError

    try:
        parsed = read_pack(data, name)
    except IndicatorError as exc:
        raise BundleError(f"{name}: {exc}") from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["type", "value", "note"])
    for item in parsed.indicators:
        writer.writerow([item.kind.value, item.value, item.note])
    return out.getvalue()


def build(
    source_dir: Path, key_path: Path, out: Path, *, version: str = "", source: str = ""
) -> dict[str, object]:
    """Sign the pack files of ``source_dir`` (not its sub-folders) into the bundle ``out``."""
    private = load_private(key_path)
    if not source_dir.is_dir():
        raise BundleError(_("{path} is not a folder").format(path=source_dir))
    files: dict[str, bytes] = {}
    for path in sorted(source_dir.iterdir()):
        if not path.is_file() or path.is_symlink() or not path.name.lower().endswith(PACK_SUFFIXES):
            continue
        data = path.read_bytes()
        if len(data) > MAX_MEMBER:
            raise BundleError(
                _("{name}: larger than {size} MB").format(name=path.name, size=MAX_MEMBER >> 20)
            )
        if path.suffix.lower() == ".json":
            files[path.stem + ".csv"] = _csv_of_json(path.name, data).encode("utf-8")
        else:
            files[path.name] = data
    if not files:
        raise BundleError(
            _("{path} has no pack files (.yar, .yara, .txt, .csv, .json)").format(path=source_dir)
        )
    manifest: dict[str, object] = {
        "format": FORMAT,
        "version": version or datetime.now(UTC).strftime("%Y.%m.%d.%H%M"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source or "CSIRT",
        "key_id": key_id(private.public_key()),
        "files": [
            {"name": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in files.items()
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    signature = base64.b64encode(private.sign(manifest_bytes))
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", manifest_bytes)
        zf.writestr("manifest.sig", signature + b"\n")
        for name, data in files.items():
            zf.writestr(f"files/{name}", data)
    tmp.replace(out)
    return manifest


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise BundleError(_("the bundle has no {name}").format(name=name)) from None
    if info.file_size > MAX_MEMBER:
        raise BundleError(_("{name} in the bundle is too large").format(name=name))
    with zf.open(info) as fh:
        data = fh.read(MAX_MEMBER + 1)
    if len(data) > MAX_MEMBER:
        raise BundleError(_("{name} in the bundle is too large").format(name=name))
    return data


def verify(path: Path, public: Ed25519PublicKey) -> Bundle:
    """The bundle's files, after its signature and every file's SHA-256 are checked."""
    try:
        raw = path.read_bytes()
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except OSError as exc:
        raise BundleError(
            _("cannot read the bundle {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    except zipfile.BadZipFile:
        raise BundleError(_("{path} is not a pack bundle (not a zip file)").format(path=path)) from None
    with zf:
        if len(zf.infolist()) > MAX_MEMBERS:
            raise BundleError(_("the bundle has too many files"))
        manifest_bytes = _member(zf, "manifest.json")
        signature_text = _member(zf, "manifest.sig").strip()
        try:
            signature = base64.b64decode(signature_text, validate=True)
            public.verify(signature, manifest_bytes)
        except (InvalidSignature, ValueError):
            raise BundleError(
                _(
                    "{path}: bad signature, the bundle is refused (not signed by this key, "
                    "or its manifest was changed)"
                ).format(path=path)
            ) from None
        try:
            manifest = json.loads(manifest_bytes)
            listed = {str(f["name"]): str(f["sha256"]) for f in manifest["files"]}
        except (ValueError, KeyError, TypeError):
            raise BundleError(_("{path}: the manifest cannot be read").format(path=path)) from None
        if manifest.get("format") != FORMAT:
            raise BundleError(
                _("{path}: unknown bundle format {format}").format(path=path, format=manifest.get("format"))
            )
        members = {i.filename for i in zf.infolist() if not i.is_dir()}
        expected = {"manifest.json", "manifest.sig"} | {f"files/{n}" for n in listed}
        extra = sorted(members - expected)
        if extra:
            raise BundleError(
                _("{path}: file {name} is not in the signed manifest, the bundle is refused").format(
                    path=path, name=extra[0]
                )
            )
        files: dict[str, str] = {}
        for name, digest in listed.items():
            if (
                "/" in name
                or "\\" in name
                or name.startswith(".")
                or not name.lower().endswith(PACK_SUFFIXES)
            ):
                raise BundleError(
                    _("{path}: unsafe file name {name} in the manifest").format(path=path, name=name)
                )
            data = _member(zf, f"files/{name}")
            if hashlib.sha256(data).hexdigest() != digest.lower():
                raise BundleError(
                    _(
                        "{path}: file {name} was changed after signing (SHA-256 differs), "
                        "the bundle is refused"
                    ).format(path=path, name=name)
                )
            try:
                files[name] = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise BundleError(
                    _("{path}: {name} is not UTF-8 text").format(path=path, name=name)
                ) from None
    return Bundle(manifest, files, hashlib.sha256(raw).hexdigest(), key_id(public))
