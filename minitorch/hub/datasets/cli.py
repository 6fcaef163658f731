"""``minitorch-datasets list | info | download | verify | path`` (or ``python -m minitorch.hub.datasets``).

    minitorch-datasets list                    # every entry and where it would come from
    minitorch-datasets info mnist              # license, citation, URLs, checksums, layout
    minitorch-datasets download mnist sst2     # fetch into the cache
    minitorch-datasets verify mnist            # fetch if needed, then re-hash every file
    minitorch-datasets path imdb_sample        # print the cache folder (for shell scripts)

Exit status: 0 on success, 1 when something could not be fetched or does not
match its checksum, 2 for a usage error (e.g. an unknown name).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from minitorch.io import hub

from . import api, fetch
from .catalogue import get

__all__ = ["build_parser", "main"]


def _cmd_list(args: argparse.Namespace) -> int:
    rows = [("name", "where from", "license", "title")]
    for name in api.list_datasets():
        entry = get(name)
        rows.append((name, api.availability(name), entry.license.split(" (")[0], entry.title))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3])
    print(f"\ncache: {hub.cache_dir()}   mirror: {hub.mirror() or 'unset (MINITORCH_MIRROR)'}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    for name in args.names:
        entry = get(name)
        print(f"{entry.name}: {entry.title}")
        if entry.variant_of:
            print(f"  variant of:  {entry.variant_of}")
        print(f"  {entry.description}")
        print(f"  license:     {entry.license}")
        print(f"  citation:    {entry.citation}")
        print(f"  homepage:    {entry.homepage}")
        if entry.aliases:
            print(f"  aliases:     {', '.join(entry.aliases)}")
        print(f"  cache:       {fetch.dataset_dir(entry)}   ({api.availability(name)})")
        print(f"  mirror path: $MINITORCH_MIRROR/{entry.mirror}/")
        if entry.notes:
            print(f"  notes:       {entry.notes}")
        files = ([entry.manifest] if entry.manifest else []) + list(entry.files)
        print("  files:")
        for f in files:
            size = f"{f.size:,} bytes" if f.size else "size not pinned"
            print(f"    {f.path}  ({size}{', split ' + f.split if f.split else ''})")
            for label, value in (("md5", f.md5), ("sha256", f.sha256)):
                if value:
                    print(f"      {label}: {value}")
            for url in f.urls:
                print(f"      url: {url}")
            if f.origin:
                a = f.origin.archive
                print(f"      from: {f.origin.name} in {', '.join(a.urls) or a.path}")
                if a.md5 or a.sha256:
                    print(f"      archive {'md5' if a.md5 else 'sha256'}: {a.md5 or a.sha256}")
            if not f.urls and not f.origin:
                print("      mirror only")
        if entry.manifest:
            print("    ... and every file listed, with its sha256, in SHA256SUMS")
        print("  layout:")
        for line in entry.layout.splitlines():
            print(f"    {line}")
    return 0


def _splits(args: argparse.Namespace) -> tuple[str, ...] | None:
    return tuple(args.split) if args.split else None


def _cmd_download(args: argparse.Namespace) -> int:
    for name in args.names:
        root = api.path(name, _splits(args), force=args.force)
        print(f"{get(name).name}: {root}")
    return 0


def _cmd_path(args: argparse.Namespace) -> int:
    print(api.path(args.name, _splits(args), progress=False))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    status = 0
    for name in args.names:
        entry = get(name)
        if not args.no_download:
            api.path(name, _splits(args))
        checks = api.verify(name, _splits(args))
        root = fetch.dataset_dir(entry)
        print(f"{entry.name}: {len(checks)} files in {root}")
        for check in checks:
            if args.verbose or not check.ok or len(checks) <= fetch.MANY_FILES:
                mark = "ok " if check.ok else "BAD"
                print(f"  {mark} {check.path.relative_to(root)}  ({check.how})")
        bad = [c for c in checks if not c.ok]
        if bad:
            status = 1
            print(f"{entry.name}: FAILED, {len(bad)} of {len(checks)} files missing or damaged")
        else:
            kinds = Counter(c.how for c in checks)
            summary = ", ".join(f"{n} by {how}" for how, n in kinds.items())
            print(f"{entry.name}: verified, {len(checks)}/{len(checks)} files ok ({summary})")
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(
        prog="minitorch-datasets",
        description="minitorch's data catalogue: list, describe, download and verify data sets.",
        epilog="Environment: MINITORCH_HOME (cache), MINITORCH_MIRROR (folder or URL tried "
        "first), MINITORCH_OFFLINE=1 (never use the network).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every data set and where it would come from").set_defaults(
        run=_cmd_list
    )
    p = sub.add_parser("info", help="license, citation, URLs, checksums, layout")
    p.add_argument("names", nargs="+")
    p.set_defaults(run=_cmd_info)
    for command, run, help_text in (
        ("download", _cmd_download, "fetch into the cache"),
        ("verify", _cmd_verify, "fetch if needed, then re-hash every cached file"),
    ):
        p = sub.add_parser(command, help=help_text)
        p.add_argument("names", nargs="+")
        p.add_argument("--split", action="append", help="only this split (repeatable)")
        p.set_defaults(run=run)
        if command == "download":
            p.add_argument("--force", action="store_true", help="download again even if cached")
        else:
            p.add_argument("--no-download", action="store_true", help="check the cache only")
            p.add_argument("-v", "--verbose", action="store_true", help="one line per file")
    p = sub.add_parser("path", help="print the cache folder, fetching if needed")
    p.add_argument("name")
    p.add_argument("--split", action="append", help="only this split (repeatable)")
    p.set_defaults(run=_cmd_path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    except (hub.DownloadError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
