"""Data flows one way, and so do imports: no module imports (at run time) from a layer above its own.

A new top-level module or package gets a layer in LAYERS; type-only imports
(`if TYPE_CHECKING:`) are allowed in any direction.
"""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

# Lowest first. A module may import from its own layer or any layer below it.
LAYERS = [
    {"reportgen", "errors", "resources", "intervals", "alternation"},
    {"config", "files", "orphans", "outputs", "runtime"},
    {"notes", "report", "layout", "render", "data"},
    {"deid", "terminology"},
    {"generation", "archive"},
    {"pipeline"},
    {"batch", "batch_ray", "evaluate", "adaptation", "training"},
    {"cli", "__main__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def part(module: str) -> str:
    """reportgen.deid.engine -> 'deid'; reportgen -> 'reportgen'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def runtime_imports(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module == "reportgen":  # from reportgen import errors, __version__
            found.extend((node.lineno, f"reportgen.{a.name}" if a.name in RANK else "reportgen") for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "reportgen":
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "reportgen")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_module_imports_from_a_layer_above_it() -> None:
    wrong = []
    for path in sorted((REPO / "reportgen").rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        own = part(module)
        assert own in RANK, f"{module}: give '{own}' a layer in tests/test_layers.py"
        for line, imported in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if RANK.get(part(imported), len(LAYERS)) > RANK[own]:
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {imported}")
    assert not wrong, "imports from a layer above:\n" + "\n".join(wrong)


def test_the_check_sees_an_upward_import() -> None:
    tree = ast.parse("from reportgen.pipeline import Pipeline\nif TYPE_CHECKING:\n    from reportgen.cli import cli\nfrom reportgen import batch\n")
    assert runtime_imports(tree) == [(1, "reportgen.pipeline"), (4, "reportgen.batch")]
    assert RANK[part("reportgen.pipeline")] > RANK[part("reportgen.generation.model")]


def test_the_model_side_imports_without_the_nlp_stack() -> None:
    """Training on examples built elsewhere and writing drafts for prompts built elsewhere need
    torch/transformers/TRL and pydantic only: bench/adaptation.py runs that part on a GPU machine
    that has no spaCy, Presidio or tantivy."""
    heavy = ("spacy", "presidio_analyzer", "presidio_anonymizer", "tantivy", "faker")
    code = (
        "import sys, reportgen.training.trainer, reportgen.generation.model, reportgen.generation.importing; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
