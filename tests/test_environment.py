"""Le projet s'installe pareil avec pip (pyproject.toml) et conda (environment.yml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


#: Paquets dont le nom conda-forge diffère du nom PyPI.
CONDA_NAMES = {"python-duckdb": "duckdb", "python-kaleido": "kaleido"}


def _name(spec: str) -> str:
    name = re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_NAMES.get(name, name)


def _normal(spec: str) -> str:
    """`python-duckdb >= 1.1` → `duckdb>=1.1` : nom PyPI suivi de la contrainte de version."""
    spec = spec.replace(" ", "")
    version = re.search(r"[<>=!~].*$", spec)
    return _name(spec) + (version.group(0) if version else "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    specs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
    return {_name(s): _normal(s) for s in specs}


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    specs = [d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in (
        "python", "pip")]
    return {_name(s): _normal(s) for s in specs}


def test_meme_liste_de_dependances():
    assert _pyproject().keys() == _conda().keys()


def test_memes_versions_minimales():
    assert _pyproject() == _conda()


def test_conda_installe_le_kit_avec_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip
    assert "conda-forge" in env["channels"]


def test_ci_lance_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
