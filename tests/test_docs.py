"""The documentation builds without a warning, gallery included."""

import pathlib
import shutil
import subprocess
import sys

import pytest

DOCS = pathlib.Path(__file__).parents[1] / "docs"


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("numpydoc")
    source = tmp_path / "docs"
    shutil.copytree(
        DOCS,
        source,
        ignore=shutil.ignore_patterns("_build", "generated", "auto_examples"),
    )
    shutil.copytree(DOCS.parent / "examples", tmp_path / "examples")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(source),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "html" / "auto_examples" / "index.html").exists()
    assert (
        tmp_path / "html" / "generated" / "sklearn_lcgan.TransitInjector.html"
    ).exists()
