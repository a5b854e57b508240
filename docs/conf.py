"""Sphinx configuration of the sklearn-lcgan documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import sklearn_lcgan  # noqa: E402

project = "sklearn-lcgan"
author = "sklearn-lcgan developers"
release = sklearn_lcgan.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
nitpicky = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "alabaster"
html_static_path = ["_static"]
intersphinx_mapping = {}
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
}
suppress_warnings = ["config.cache"]
