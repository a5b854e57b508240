"""The package's imports point one way: each module imports only layers below it.

cli -> report -> studies -> estimators -> nn / preprocessing / injection ->
private helpers. A module that imports one above it (or beside it) fails here.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parents[1] / "sklearn_lcgan"

# From the bottom up; a module may import only modules of earlier layers. A
# subpackage (nn, preprocessing) is one module here: its files may import
# each other.
LAYERS = [
    ["_version", "_constants"],
    ["_random", "_validation", "_atomic", "_interrupt", "_epoch_table"],
    ["_robust", "_physics", "_curve_shape"],
    ["_planets"],
    ["_stars"],
    ["nn"],
    ["io", "_two_sample", "_fits", "_realism"],
    ["preprocessing", "injection", "datasets"],
    ["_gan_training"],
    ["_gan_sampling"],
    ["classifier", "oversampling", "generator"],
    ["metrics", "experiments", "plotting", "persistence"],
    ["distributed"],
    ["report"],
    ["_commands"],
    ["cli"],
    ["__init__"],
]
LAYER = {name: level for level, names in enumerate(LAYERS) for name in names}


def _unit(path, package=PACKAGE):
    """The layered unit a file belongs to: its top-level module or subpackage."""
    return path.relative_to(package).with_suffix("").parts[0]


def _imported_units(path, package=PACKAGE):
    """Top-level modules of the package that a file imports."""
    tree = ast.parse(path.read_text())
    depth = len(path.relative_to(package).parts)  # 1 for a module, 2 in a subpackage
    units = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if (node.module or "").startswith("sklearn_lcgan"):
                    parts = node.module.split(".")[1:]
                    units.add(parts[0] if parts else "__init__")
                continue
            if node.level >= depth:  # from the package itself
                if node.module:
                    units.add(node.module.split(".")[0])
                else:
                    units.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sklearn_lcgan" and len(parts) > 1:
                    units.add(parts[1])
    return units - {_unit(path, package)}


FILES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert {_unit(path) for path in FILES} <= set(LAYER)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_layers_below(path):
    unit = _unit(path)
    above = {
        name for name in _imported_units(path) if LAYER.get(name, -1) >= LAYER[unit]
    }
    assert not above, f"{unit} imports {sorted(above)}, which are not below it"


def test_the_check_sees_relative_absolute_and_subpackage_imports(tmp_path):
    package = tmp_path / "sklearn_lcgan"
    (package / "nn").mkdir(parents=True)
    module = package / "_constants.py"
    module.write_text("from .cli import main\nimport sklearn_lcgan.report\n")
    inner = package / "nn" / "layers.py"
    inner.write_text("from .spectral import x\nfrom ..generator import y\n")
    assert _imported_units(module, package) == {"cli", "report"}
    assert _imported_units(inner, package) == {"generator"}
