"""``make docs``: executed lessons become HTML pages with their figures inline, and a course map."""

import base64
import importlib.util
import io
import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def load_build_docs():
    """lessons/ is not a package: import the script by its path."""
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "lessons" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_docs = load_build_docs()


def png_bytes() -> bytes:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [1, 0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def executed_notebook(path: Path, png: bytes, error: bool = False) -> Path:
    """A tiny notebook as run_all writes it: a heading, and a cell whose output is a figure."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plt.plot([0, 1])", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data",
                                           data={"image/png": base64.b64encode(png).decode("ascii"),
                                                 "text/plain": "<Figure>"})]
    if error:
        cell.outputs.append(nbformat.v4.new_output("error", ename="ValueError", evalue="boom",
                                                   traceback=[]))
    nb.cells = [nbformat.v4.new_markdown_cell("# Module 4 — Networks\n\nSome prose."), cell]
    nbformat.write(nb, path)
    return path


def test_site_embeds_figures_and_maps_the_course(tmp_path: Path) -> None:
    png = png_bytes()
    executed = executed_notebook(tmp_path / "04_networks.ipynb", png)
    out = tmp_path / "site"
    index = build_docs.build_site([executed], out)

    page = (out / "04_networks.html").read_text(encoding="utf-8")
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert embedded, "the figure is not embedded in the page"
    assert base64.b64decode(embedded[0]) == png
    assert 'href="index.html"' in page
    assert sorted(p.name for p in out.iterdir()) == ["04_networks.html", "index.html"]

    text = index.read_text(encoding="utf-8")
    assert '<a href="04_networks.html">Module 4 — Networks</a>' in text
    for task in ["Task 4.1 (1D convolution)", "Task 4.3 (Pooling)", "Task 4.5 (Training)"]:
        assert task in text
    assert "Task 3.1" not in text  # only module 4's tasks belong to lesson 04


def test_a_lesson_without_tasks_and_a_badly_named_file(tmp_path: Path) -> None:
    executed = executed_notebook(tmp_path / "11_text.ipynb", png_bytes())
    lesson = build_docs.render_lesson(executed, tmp_path)
    assert (lesson.number, lesson.tasks, lesson.page) == (11, [], "11_text.html")
    with pytest.raises(ValueError, match="starts with its number"):
        build_docs.render_lesson(executed_notebook(tmp_path / "notes.ipynb", png_bytes()), tmp_path)


def test_only_stale_or_failed_lessons_run_again(tmp_path: Path) -> None:
    source = tmp_path / "04_networks.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), source)
    executed_dir = tmp_path / "executed"
    executed_dir.mkdir()
    executed = executed_dir / source.name
    assert build_docs.is_stale(source, executed)  # never executed

    executed_notebook(executed, png_bytes())
    now = source.stat().st_mtime
    os.utime(executed, (now + 10, now + 10))
    assert not build_docs.is_stale(source, executed)  # newer than its source: reused

    os.utime(executed, (now - 10, now - 10))
    assert build_docs.is_stale(source, executed)  # the source was edited since

    executed_notebook(executed, png_bytes(), error=True)
    os.utime(executed, (now + 10, now + 10))
    assert build_docs.is_stale(source, executed)  # a failed run is never reused
