"""The tests' own layout: a test module or conftest imports from tests/helpers/ and tests/factories.py only, never
from another test module, so that any of them can be moved, renamed or deleted without breaking another."""

import ast
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
SHARED = ("tests.helpers", "tests.factories")


def imported_test_modules(path: Path) -> list[str]:
    """The modules under tests/ that the file imports, as dotted names; a relative import counts as one."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("." * node.level + (node.module or ""))
            elif node.module == "tests":
                names += [f"tests.{alias.name}" for alias in node.names]
            else:
                names.append(node.module or "")
    return [name for name in names if name.startswith(".") or name == "tests" or name.startswith("tests.")]


def shared(name: str) -> bool:
    return any(name == module or name.startswith(f"{module}.") for module in SHARED)


def test_no_test_module_imports_another():
    files = [path for path in TESTS_DIR.rglob("*.py") if TESTS_DIR / "helpers" not in path.parents]
    offending = {
        str(path.relative_to(TESTS_DIR)): names
        for path in files
        if (names := [name for name in imported_test_modules(path) if not shared(name)])
    }

    assert len(files) > 50 and TESTS_DIR / "conftest.py" in files
    assert offending == {}, "move what these share to tests/helpers/<topic>.py"


def test_the_check_sees_every_form_of_import(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text(
        "import tests.events.test_views\n"
        "from tests.events import test_views\n"
        "from tests import conftest\n"
        "from .test_models import thing\n"
        "from tests.helpers.api import error_of\n"
        "from tests.factories import UserFactory\n"
        "from events.models import Incident\n"
    )

    found = imported_test_modules(module)

    assert [name for name in found if not shared(name)] == [
        "tests.events.test_views",
        "tests.events",
        "tests.conftest",
        ".test_models",
    ]
