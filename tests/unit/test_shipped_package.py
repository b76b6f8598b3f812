"""The shipped package stands alone: nothing in zoom_xblock/ imports the tests' code.

The stand-in platform, the workbench project and the demo live under tests/ and are not in
the wheel; a product module that imported them would work in the workbench and break on a
real install. Every module counts, imports inside functions too, and dotted paths in strings
(what ``import_string`` would import). Only migrations are left out: Django writes them.
"""
import ast
import re
from pathlib import Path

import zoom_xblock

PACKAGE = Path(zoom_xblock.__file__).parent
TESTS_PATH = re.compile(r"^tests(\.\w+)+$")


def product_modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)


def imported_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and TESTS_PATH.match(node.value):
            names.append(node.value)
    return names


def test_every_product_module_is_read():
    modules = {path.relative_to(PACKAGE).as_posix() for path in product_modules()}
    assert {"platform/__init__.py", "platform/openedx.py", "sandbox/app.py"} <= modules


def test_imports_inside_functions_and_dotted_paths_are_seen():
    source = ("import tests.utils\n"
              "def backend():\n    from tests.standin import backend\n"
              "PATH = 'tests.standin.backend.StandInPlatform'\nTEXT = 'tests pass'\n")
    assert imported_names(ast.parse(source)) == [
        "tests.utils", "tests.standin", "tests.standin.backend.StandInPlatform"]


def test_no_product_module_imports_the_tests_code():
    found = {}
    for path in product_modules():
        names = [name for name in imported_names(ast.parse(path.read_text(encoding="utf-8")))
                 if name == "tests" or name.startswith("tests.")]
        if names:
            found[path.relative_to(PACKAGE).as_posix()] = names
    assert found == {}


def test_the_stand_in_is_not_part_of_the_package():
    modules = {path.relative_to(PACKAGE).parts[0] for path in PACKAGE.rglob("*.py")}
    assert not modules & {"standalone", "standin"}
