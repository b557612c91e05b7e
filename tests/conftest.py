"""Réglages communs des tests, et les rapports des élus construits une fois pour la session
(`reports`, relus par ``test_elus.py`` et ``test_elus_access.py``)."""

import os
import time
from pathlib import Path

import pytest

# Avant tout import d'openpyxl par un module de test : mêmes octets que les modèles livrés, que
# lxml soit installé ou non (voir kit/__init__.py).
os.environ.setdefault("OPENPYXL_LXML", "False")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
#: Captures d'écran des rapports des élus écrites par ``test_elus_access.py``, pour relecture
#: (dossier ignoré par git).
CAPTURES = ROOT / "build" / "captures"
_STARTED = time.time()


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """`kit rapport` sur la collectivité d'exemple : (dossier de sortie, rapports des élus)."""
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple "
                    "(python -m tools.samples)")
    from kit.project import run_report

    folder = tmp_path_factory.mktemp("rapports")
    # Les noyaux des notebooks importent le kit de ce dépôt (et non une autre copie installée).
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), previous) if p)
    try:
        result = run_report(CONFIG, folder, progress=False)
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous
    assert result.ok, result.to_text()
    elus = sorted(folder.glob("[0-9][0-9]_*.html"))  # un rapport par notebook de la méthode
    assert len(elus) == 6, [p.name for p in elus]
    return folder, elus


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Dit où relire les captures d'écran des rapports des élus, quand la session en a écrit."""
    shots = [s for s in CAPTURES.glob("*.png") if s.stat().st_mtime >= _STARTED]
    if shots:
        terminalreporter.write_line(
            f"Captures d'écran des rapports des élus ({len(shots)} images) : {CAPTURES}")
