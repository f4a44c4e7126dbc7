"""The sweep's command line, the same as ``canhgac sweep`` and ``python -m canhgac.sweep`` (the
latter on an agency PC with only the sweep's dependencies: argparse, no Typer, no Django).

    sweep [PATH...] [--pack FILE]... [--pubkey KEY] [--out RESULT.json] [--max-size MB]
          [--cpu-cap PCT] [--timeout-per-file S] [--exclude PATH]... [--quarantine DIR]
          [--agency CODE] [--upload URL [--token-file FILE] [--ca-file PEM]]
    sweep pack keygen KEY | pack build DIR --key KEY -o BUNDLE | pack verify BUNDLE --pubkey KEY
    sweep verify-result RESULT.json

Exit codes: 0 no hit, 1 hits, 2 refused (bad pack, bad option: one line on stderr), 3 the upload
failed (the result file is kept), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.sweep.bundle import BundleError, build, generate_key, load_public, verify
from canhgac.sweep.options import DEFAULT_EXCLUDES, SweepOptions
from canhgac.sweep.packs import Indicators, PackError, load_file, load_text
from canhgac.sweep.result import ResultError, host_key, host_key_path, read_verified, write_signed

EXIT_CLEAN, EXIT_HITS, EXIT_REFUSED, EXIT_UPLOAD_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _err(message: str) -> int:
    print(f"canhgac sweep: {message}", file=sys.stderr)
    return EXIT_REFUSED


def starter_dir() -> Path:
    return Path(str(resources.files("canhgac.sweep") / "data" / "starter"))


def load_packs(packs: Sequence[Path], pubkey: Path | None, *, starter: bool) -> Indicators:
    """The indicators of every pack; a bundle (.zip) is verified first and refused if it fails."""
    ind = Indicators()
    if starter:
        for path in sorted(starter_dir().iterdir()):
            if (
                path.is_file()
                and path.name not in ("SOURCES.txt", "VERSION.txt")
                and path.suffix in (".txt", ".csv")
            ):
                load_text(ind, path.name, path.read_text(encoding="utf-8"), "starter")
        ind.packs.append({"name": "starter", "signed": "packaged", "version": _starter_version()})
    for path in packs:
        if path.suffix.lower() == ".zip":
            if pubkey is None:
                raise BundleError(
                    _("{path} is a bundle: give the CSIRT's public key with --pubkey").format(path=path)
                )
            bundle = verify(path, load_public(pubkey))
            for name, text in bundle.files.items():
                load_text(ind, name, text, path.name)
            ind.packs.append(
                {
                    "name": path.name,
                    "signed": bundle.key_id,
                    "sha256": bundle.sha256,
                    "version": str(bundle.manifest.get("version", "")),
                    "created": str(bundle.manifest.get("created", "")),
                    "source": str(bundle.manifest.get("source", "")),
                }
            )
        else:
            load_file(ind, path)
            import hashlib

            ind.packs.append(
                {"name": path.name, "signed": "no", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
            )
    return ind


def _starter_version() -> str:
    try:
        return (starter_dir() / "VERSION.txt").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


class _Formatter(argparse.HelpFormatter):
    """argparse's help in the chosen language: its own words ("usage", the sections, --help)
    are the msgids the rest of the command line translates (argparse's own catalogue is not
    installed)."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        usage_word = _("Usage:")
        super().add_usage(usage, actions, groups, usage_word + " " if prefix is None else prefix)


def _parser(prog: str, description: str, parent: Any = None, **kwargs: Any) -> argparse.ArgumentParser:
    """A parser (or a sub-command's, from ``parent``) with translated sections and --help."""
    if parent is None:
        p = argparse.ArgumentParser(
            prog=prog, description=description, formatter_class=_Formatter, add_help=False
        )
    else:
        p = parent.add_parser(
            prog, description=description, formatter_class=_Formatter, add_help=False, **kwargs
        )
    p._positionals.title = _("Arguments")
    p._optionals.title = _("Options")
    p.add_argument("-h", "--help", action="help", help=_("Show this message and exit."))
    return p


def _scan_parser() -> argparse.ArgumentParser:
    p = _parser(
        "canhgac sweep",
        _(
            "Sweep this computer for malware and APT traces with indicator packs; "
            "writes a signed result file."
        ),
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=_("Folders or files to walk (default: the whole system)"),
    )
    p.add_argument(
        "--pack",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help=_(
            "An indicator pack: a signed bundle (.zip), YARA rules, CSV, STIX, MISP or signature-base file"
        ),
    )
    p.add_argument("--pubkey", type=Path, help=_("The CSIRT's public key that signed the bundles"))
    p.add_argument("--no-starter", action="store_true", help=_("Do not use the packaged starter pack"))
    p.add_argument("--out", type=Path, help=_("The result file (default: sweep-HOST-TIME.json here)"))
    p.add_argument(
        "--max-size",
        type=float,
        default=100,
        metavar="MB",
        help=_("Larger files are not read (MB, default 100)"),
    )
    p.add_argument(
        "--cpu-cap",
        type=int,
        default=50,
        metavar="PCT",
        help=_("CPU use cap in percent of one core (default 50; 100: none)"),
    )
    p.add_argument(
        "--timeout-per-file",
        type=float,
        default=30,
        metavar="S",
        help=_("Seconds per file at most (default 30)"),
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATH",
        help=_("A path not to walk (added to the defaults)"),
    )
    p.add_argument("--all-types", action="store_true", help=_("Read every file, not only the relevant types"))
    p.add_argument(
        "--quarantine",
        type=Path,
        metavar="DIR",
        help=_("Move files with a hit there (copy, hash, then remove). Off by default: the sweep only reads"),
    )
    p.add_argument(
        "--no-system",
        action="store_true",
        help=_("Only the paths: no processes, connections, hosts file, DNS cache, persistence or web roots"),
    )
    p.add_argument("--key", type=Path, help=_("This host's signing key (made on first use)"))
    p.add_argument("--windows-fixture", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--persistence-root", type=Path, help=argparse.SUPPRESS)
    p.add_argument(
        "--agency",
        metavar="CODE",
        default="",
        help=_("The agency this computer belongs to (its code in the inventory), recorded in the result"),
    )
    p.add_argument(
        "--upload",
        metavar="URL",
        help=_("After writing the result file, post it to the console at URL (the file is kept)"),
    )
    p.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help=_("The API token for --upload (default: CANHGAC_API_TOKEN)"),
    )
    p.add_argument(
        "--ca-file",
        type=Path,
        metavar="PEM",
        help=_("Certificate authorities to trust for --upload (default: the system's)"),
    )
    return p


def _default_out() -> Path:
    import socket

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(f"sweep-{socket.gethostname()}-{stamp}.json")


def scan_main(argv: Sequence[str]) -> int:
    args = _scan_parser().parse_args(list(argv))
    token = ""
    if args.upload:
        from canhgac.sweep.upload import UploadError, endpoint, read_token

        try:  # refused before the sweep, not after an hour of it
            endpoint(args.upload)
            token = read_token(args.token_file)
        except UploadError as exc:
            return _err(str(exc))
    if len(args.agency) > 64:
        return _err(_("--agency takes an agency code"))
    if args.max_size <= 0 or args.timeout_per_file <= 0 or not 1 <= args.cpu_cap <= 100:
        return _err(_("--max-size and --timeout-per-file must be positive, --cpu-cap between 1 and 100"))
    out = args.out or _default_out()
    try:
        key = host_key(args.key or host_key_path())
        indicators = load_packs(args.pack, args.pubkey, starter=not args.no_starter)
    except (BundleError, PackError, ResultError) as exc:
        return _err(str(exc))
    options = SweepOptions(
        max_size=int(args.max_size * 1024 * 1024),
        cpu_cap=args.cpu_cap,
        timeout_per_file=args.timeout_per_file,
        excludes=[*DEFAULT_EXCLUDES, *args.exclude],
        all_types=args.all_types,
        quarantine=args.quarantine,
        system=not args.no_system,
    )
    if args.paths:
        options.paths = list(args.paths)
    options.excludes.append(str(out.absolute()))
    from canhgac.sweep import sweep

    live = windows = None
    persistence_root = args.persistence_root
    if not args.no_system:
        from canhgac.sweep.live import PsutilSource
        from canhgac.sweep.persistence import default_windows_source

        live = PsutilSource()
        windows = default_windows_source()
        if persistence_root is None and sys.platform != "win32":
            persistence_root = Path("/")
    if args.windows_fixture:
        from canhgac.sweep.persistence import FixtureWindowsSource

        windows = FixtureWindowsSource(args.windows_fixture)
    try:
        from canhgac.sweep.sweep import compile_rules

        c = time.process_time()
        rules = compile_rules(indicators)  # refused before the walk, with one line
        indicators.matcher  # noqa: B018 - built now, so that its cost is counted with the rules'
        compile_s = round(time.process_time() - c, 3)
    except PackError as exc:
        return _err(str(exc))
    try:
        import os

        os.nice(10) if hasattr(os, "nice") else None
    except OSError:
        pass
    started = time.monotonic()
    print(
        _("Sweeping with {count} indicators …").format(count=sum(indicators.counts().values())),
        file=sys.stderr,
    )
    body = sweep.run(
        options,
        indicators,
        live=live,
        windows=windows,
        persistence_root=persistence_root,
        on_phase=lambda name: print(f"  {name} …", file=sys.stderr),
        rules=rules,
        compile_s=compile_s,
    )
    if args.agency:
        body["agency"] = args.agency.strip()
    write_signed(body, out, key)
    skipped = sum(v["count"] for v in body["skipped"].values())
    print(
        _("{hits} hits, {files} files read ({mb} MB), {skipped} skipped, {seconds} s. Result: {out}").format(
            hits=len(body["hits"]),
            files=body["counts"]["files_scanned"],
            mb=round(body["counts"]["bytes_scanned"] / 1e6, 1),
            skipped=skipped,
            seconds=round(time.monotonic() - started, 1),
            out=out,
        )
    )
    for hit in body["hits"][:50]:
        print(f"  [{hit['check']}] {hit['where']}: {hit['indicator']}")
    uploaded = _upload(out, args.upload, token, args.ca_file) if args.upload else True
    if body["interrupted"]:
        print(_("Interrupted: the result is partial."), file=sys.stderr)
        return EXIT_INTERRUPTED
    if not uploaded:
        return EXIT_UPLOAD_FAILED
    return EXIT_HITS if body["hits"] else EXIT_CLEAN


def _upload(out: Path, url: str, token: str, ca_file: Path | None) -> bool:
    """Post the written result; one line either way (the file stays for a USB carry)."""
    from canhgac.sweep.upload import UploadError, upload

    try:
        answer = upload(out, url, token, ca_file=ca_file)
    except (UploadError, OSError) as exc:
        print(f"canhgac sweep: {exc}", file=sys.stderr)
        print(_("The result file {out} is kept: carry it to the CSIRT.").format(out=out), file=sys.stderr)
        return False
    print(
        _("Uploaded: {host} of {agency}, {hits} hits, {opened} findings opened, {fixed} fixed.").format(
            host=answer.get("host", ""),
            agency=answer.get("agency", ""),
            hits=answer.get("hits", 0),
            opened=answer.get("opened", 0),
            fixed=answer.get("fixed", 0),
        )
    )
    return True


def pack_main(argv: Sequence[str]) -> int:
    p = _parser("canhgac sweep pack", _("Build, sign and verify offline pack bundles."))
    sub = p.add_subparsers(dest="action", required=True, title=_("Commands"))
    k = _parser(
        "keygen",
        _("Make the CSIRT's Ed25519 key pair (KEY and KEY.pub)"),
        sub,
        help=_("Make the CSIRT's Ed25519 key pair (KEY and KEY.pub)"),
    )
    k.add_argument("key", type=Path, help=_("The private key file to write (and KEY.pub)"))
    b = _parser(
        "build",
        _("Sign a folder's pack files into a bundle"),
        sub,
        help=_("Sign a folder's pack files into a bundle"),
    )
    b.add_argument("dir", type=Path, help=_("The folder of pack files"))
    b.add_argument("--key", type=Path, required=True, help=_("The CSIRT's private key"))
    b.add_argument("-o", "--out", type=Path, required=True, help=_("The bundle to write (.zip)"))
    b.add_argument("--version", default="", help=_("The pack's version (default: the date and time)"))
    b.add_argument("--source", default="", help=_("Who made the pack (default: CSIRT)"))
    v = _parser(
        "verify",
        _("Check a bundle's signature and files"),
        sub,
        help=_("Check a bundle's signature and files"),
    )
    v.add_argument("bundle", type=Path, help=_("The bundle (.zip)"))
    v.add_argument(
        "--pubkey", type=Path, required=True, help=_("The CSIRT's public key that signed the bundles")
    )
    args = p.parse_args(list(argv))
    try:
        if args.action == "keygen":
            pub = generate_key(args.key)
            print(_("Key written: {key} (keep it secret), public key: {pub}").format(key=args.key, pub=pub))
        elif args.action == "build":
            manifest = build(args.dir, args.key, args.out, version=args.version, source=args.source)
            files = manifest["files"]
            print(
                _("Bundle {out}: version {version}, {count} files, signed by key {key}.").format(
                    out=args.out,
                    version=manifest["version"],
                    count=len(files) if isinstance(files, list) else 0,
                    key=manifest["key_id"],
                )
            )
        else:
            bundle = verify(args.bundle, load_public(args.pubkey))
            print(
                _("Bundle {path}: signature good (key {key}), version {version}, {count} files.").format(
                    path=args.bundle,
                    key=bundle.key_id,
                    version=bundle.manifest.get("version"),
                    count=len(bundle.files),
                )
            )
    except FileExistsError:
        return _err(_("{path} exists: not overwritten").format(path=args.key))
    except (BundleError, OSError) as exc:
        return _err(str(exc))
    return EXIT_CLEAN


def verify_result_main(argv: Sequence[str]) -> int:
    p = _parser("canhgac sweep verify-result", _("Check a sweep result file's signature."))
    p.add_argument("result", type=Path, help=_("The result file"))
    args = p.parse_args(list(argv))
    try:
        body = read_verified(args.result)
    except ResultError as exc:
        return _err(str(exc))
    print(
        _("Result of {host}: signature good, {hits} hits, interrupted: {interrupted}.").format(
            host=body["host"]["name"], hits=len(body["hits"]), interrupted=body["interrupted"]
        )
    )
    return EXIT_CLEAN


def _language(args: list[str]) -> list[str]:
    """``--lang vi|en`` (anywhere) or ``CANHGAC_LANG``; else the language already set (``canhgac
    --lang``), Vietnamese by default."""
    import os

    from canhgac.i18n import LANGUAGES, set_language

    lang = os.environ.get("CANHGAC_LANG")
    if "--lang" in args:
        at = args.index("--lang")
        lang = args[at + 1] if at + 1 < len(args) else None
        args = args[:at] + args[at + 2 :]
    if lang in LANGUAGES:
        set_language(str(lang))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _language(list(sys.argv[1:] if argv is None else argv))
    if args[:1] == ["pack"]:
        return pack_main(args[1:])
    if args[:1] == ["verify-result"]:
        return verify_result_main(args[1:])
    if args[:1] in (["import"], ["unpin"]):  # reached only without the console (python -m canhgac.sweep)
        said = _("'{command}' is the console's: run canhgac sweep {command} where the console's store is")
        return _err(said.format(command=args[0]))
    return scan_main(args)
