"""Rapports : exécuter les notebooks et les exporter en HTML sans code, lisible hors ligne.

Un rapport pour les élus vient toujours d'une exécution neuve (papermill, noyau « python3 »,
dossier courant = dossier du notebook), jamais d'une session interactive. Le notebook exécuté
(avec ses sorties) est rangé dans ``<dossier de sortie>/executes/`` ; le notebook source,
sans sorties, n'est jamais réécrit.

Le HTML est produit par nbconvert avec le gabarit « kit » (``kit/report/nbtemplates/kit``) : celui de
JupyterLab sans require.js, MathJax ni Mermaid chargés depuis un CDN, sans cellules de code ni
invites ``In [ ]``. Les figures plotly doivent être affichées avec `kit.charts.show`.
"""

from __future__ import annotations

import logging
import platform
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd

from kit.report._batch import NotebookRun, run_batch, write_index
from kit.report._notebook import (
    ANALYST_DIR,
    ANALYST_TAG,
    AUDIENCES,
    KERNEL_NAME,
    TEMPLATE_DIR,
    NotebookError,
    export_html,
    run_notebook,
)
from kit.report._pdf import PDF_UNAVAILABLE, PdfQueue, add_pdfs, export_pdf, find_chromium

logger = logging.getLogger(__name__)

_DIST_NAME = "kit-territoires"

__all__ = [
    "ANALYST_DIR",
    "ANALYST_TAG",
    "AUDIENCES",
    "NotebookError",
    "PDF_UNAVAILABLE",
    "PdfQueue",
    "add_pdfs",
    "export_pdf",
    "find_chromium",
    "NotebookRun",
    "TEMPLATE_DIR",
    "check_environment",
    "demo_main",
    "export_html",
    "run_all",
    "run_batch",
    "run_notebook",
    "write_index",
]

def run_all(notebooks_dir: str | Path, output_dir: str | Path) -> list[Path]:
    """Exécute tous les notebooks ``*.ipynb`` d'un dossier, dans l'ordre de leur nom.

    Chaque notebook est indépendant : un échec n'empêche pas d'exécuter les suivants.

    Parameters
    ----------
    notebooks_dir
        Dossier des notebooks (``notebooks/``).
    output_dir
        Dossier des rapports (``reports/``).

    Returns
    -------
    list[Path]
        Les rapports HTML, dans l'ordre des notebooks.

    Raises
    ------
    NotebookError
        Aucun notebook trouvé, ou au moins un notebook en échec : le message les liste tous,
        et l'attribut ``rapports`` donne les rapports écrits malgré tout.
    """
    notebooks = sorted(Path(notebooks_dir).glob("*.ipynb"))
    if not notebooks:
        raise NotebookError(
            f"Aucun notebook (*.ipynb) dans {notebooks_dir}. Lancez la commande depuis la "
            "racine du projet.",
            notebooks_dir,
        )
    written: list[Path] = []
    failures: list[NotebookError] = []
    for nb_path in notebooks:
        try:
            written.append(run_notebook(nb_path, output_dir))
        except NotebookError as exc:
            logger.error("%s", exc)
            failures.append(exc)
    if failures:
        detail = "\n".join(f"- {exc}" for exc in failures)
        err = NotebookError(
            f"{len(failures)} notebook(s) sur {len(notebooks)} en échec :\n{detail}",
            failures[0].notebook,
            failures[0].cellule,
        )
        err.rapports = written
        raise err
    return written


def demo_main(root: Path) -> int:
    """Point d'entrée de ``python -m kit demo`` : exécute tous les notebooks du projet.

    Parameters
    ----------
    root
        Racine du projet (contient ``notebooks/`` ; les rapports vont dans ``reports/``).

    Returns
    -------
    int
        0 si tous les rapports sont écrits, 1 sinon (le message d'erreur est affiché).
    """
    root = Path(root)
    output_dir = root / "reports"
    print(f"Exécution des notebooks de {root / 'notebooks'} (quelques secondes par notebook)…")
    try:
        reports = run_all(root / "notebooks", output_dir)
    except NotebookError as exc:
        for report in exc.rapports:
            print(f"Rapport écrit : {_relative(report, root)}")
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    for report in reports:
        size = report.stat().st_size / 1024
        print(f"Rapport écrit : {_relative(report, root)} ({size:,.0f} Ko)".replace(",", " "))
    print(f"{len(reports)} rapport(s) dans {_relative(output_dir, root)}/ : ouvrez-les dans un "
          "navigateur, ils fonctionnent sans connexion.")
    return 0


def check_environment() -> pd.DataFrame:
    """Vérifie les versions de Python et des paquets dont le kit a besoin.

    Les versions minimales sont celles déclarées par le paquet ``kit-territoires``
    (``pyproject.toml``).

    Returns
    -------
    pd.DataFrame
        Une ligne par composant : « composant », « version installée », « version minimale »,
        « état » (« OK » ou « KO »).

    Examples
    --------
    >>> env = check_environment()
    >>> env.loc[env["composant"] == "python", "état"].item()
    'OK'
    """
    from packaging.requirements import Requirement

    rows = [
        {
            "composant": "python",
            "version installée": platform.python_version(),
            "version minimale": "3.11",
            "état": "OK" if sys.version_info >= (3, 11) else "KO",
        }
    ]
    try:
        requirements = [r for r in metadata.requires(_DIST_NAME) or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        # Kit importé sans être installé : on ne connaît pas les versions minimales.
        requirements = []
        rows.append(
            {
                "composant": _DIST_NAME,
                "version installée": "non installé (pip install -e .)",
                "version minimale": "-",
                "état": "KO",
            }
        )
    for text in requirements:
        req = Requirement(text)
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            installed = None
        ok = installed is not None and req.specifier.contains(installed, prereleases=True)
        rows.append(
            {
                "composant": req.name,
                "version installée": installed or "absent",
                "version minimale": str(req.specifier).removeprefix(">=") or "-",
                "état": "OK" if ok else "KO",
            }
        )
    rows.append(_kernel_row())
    return pd.DataFrame(rows)


def _kernel_row() -> dict[str, str]:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        state = "OK"
    except NoSuchKernel:
        state = "KO"
    return {
        "composant": f"noyau Jupyter « {KERNEL_NAME} »",
        "version installée": "présent" if state == "OK" else "absent",
        "version minimale": "-",
        "état": state,
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
