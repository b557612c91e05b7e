"""Règles de l'agencement du kit (ARCHITECTURE.md), vérifiées sur le code lui-même.

Les couches sont vérifiées par import-linter (`lint-imports`, lancé par `make test` et ci-dessous) ;
ce fichier vérifie ce qu'import-linter ne voit pas : les imports placés dans une fonction (qui
cacheraient une flèche), les cycles entre modules (imports de fonction et `TYPE_CHECKING`
compris), l'accès aux modules privés d'un autre paquet, et la taille de la pièce principale.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "kit"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(folder: Path) -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(folder.rglob("*.py"))}


MODULES = _modules(KIT)


def _imports(path: Path, name: str) -> list[tuple[str, bool]]:
    """(module importé, dans une fonction ?) pour chaque import de `kit` du fichier."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, inner) for a in child.names if a.name.split(".")[0] == "kit")
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                if base.split(".")[0] != "kit":
                    continue
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append((sub if sub in MODULES else base, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


GRAPH = {name: _imports(path, name) for name, path in MODULES.items()}


def _package(module: str) -> str:
    """Pièce d'un module : « kit.io._junk » → « kit.io » ; « kit.errors » → « kit.errors »."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_aucun_import_de_kit_dans_une_fonction() -> None:
    """Un import dans une fonction ne sert qu'aux dépendances lourdes facultatives (duckdb,
    papermill, kaleido) : jamais à cacher une flèche entre modules du kit."""
    hidden = [f"{name} → {target}" for name, imports in GRAPH.items()
              for target, inner in imports if inner]
    assert hidden == []


def test_aucun_cycle_entre_modules() -> None:
    """Graphe des imports (fonctions et TYPE_CHECKING compris) sans cycle.

    Un paquet qui importe ses propres modules depuis son ``__init__`` n'est pas un cycle ; un
    module privé qui importerait le ``__init__`` de son propre paquet en serait un.
    """
    edges = {name: sorted({t for t, _ in imports if t in MODULES and t != name})
             for name, imports in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in edges:
        if node not in state:
            walk(node)
    assert cycles == []


def test_modules_prives_restent_dans_leur_paquet() -> None:
    """Un autre paquet passe par le ``__init__`` (les noms publics), jamais par ``_prive``."""
    wrong = []
    for name, imports in GRAPH.items():
        for target, _ in imports:
            parts = target.split(".")
            private = [i for i, p in enumerate(parts) if p.startswith("_") and i >= 2]
            if private and _package(target) != _package(name):
                wrong.append(f"{name} → {target}")
    assert wrong == []


@pytest.mark.parametrize("folder", ["tools", "benchmarks", "notebooks"])
def test_scripts_et_notebooks_utilisent_les_noms_publics(folder: str) -> None:
    """tools/, benchmarks/ et les notebooks n'importent que des noms publics du kit."""
    wrong = []
    for path in sorted((ROOT / folder).rglob("*")):
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        else:
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kit"):
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("kit")]
            if any(part.startswith("_") and part != "__main__"
                   for n in names for part in n.split(".")[1:]):
                wrong.append(f"{path.relative_to(ROOT)} : {ast.unparse(node)}")
    assert wrong == []


def test_la_piece_principale_reste_petite() -> None:
    """Au plus 12 modules directement dans kit/ : le reste est rangé par pièce."""
    direct = sorted(p.name for p in KIT.glob("*.py"))
    assert len(direct) <= 12, direct


def test_chaque_paquet_declare_ses_noms_publics() -> None:
    """Chaque paquet du kit a un ``__all__`` dans son ``__init__``."""
    missing = [name for name, path in MODULES.items()
               if path.name == "__init__.py" and "__all__" not in path.read_text(encoding="utf-8")
               and name != "kit"]
    assert missing == []


def test_contrats_import_linter() -> None:
    """Les couches déclarées dans pyproject.toml sont respectées (`lint-imports`)."""
    exe = Path(sys.executable).with_name("lint-imports")
    command = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    result = subprocess.run([*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
