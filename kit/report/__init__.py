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
import re
import sys
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd

from kit.errors import KitError

logger = logging.getLogger(__name__)

__all__ = [
    "NotebookError",
    "TEMPLATE_DIR",
    "check_environment",
    "demo_main",
    "export_html",
    "run_all",
    "run_notebook",
]

#: Dossier des gabarits nbconvert livrés avec le kit.
TEMPLATE_DIR = Path(__file__).resolve().parent / "nbtemplates"
KERNEL_NAME = "python3"
_DIST_NAME = "kit-territoires"


class NotebookError(KitError):
    """Un notebook n'a pas pu être exécuté ou exporté.

    Attributes
    ----------
    notebook
        Chemin du notebook en cause.
    cellule
        Numéro (à partir de 1) de la cellule en erreur dans le notebook source, ou ``None``.
    rapports
        Rapports HTML écrits avant l'erreur (renseigné par `run_all`).
    """

    def __init__(
        self, message: str, notebook: str | Path, cellule: int | None = None
    ) -> None:
        super().__init__(message, fichier=notebook)
        self.notebook = Path(notebook)
        self.cellule = cellule
        self.rapports: list[Path] = []


def run_notebook(
    path: str | Path,
    output_dir: str | Path,
    parameters: dict[str, object] | None = None,
    timeout: int = 600,
) -> Path:
    """Exécute un notebook et écrit son rapport ``<output_dir>/<nom>.html``.

    Parameters
    ----------
    path
        Notebook à exécuter (``.ipynb``). Il n'est pas modifié.
    output_dir
        Dossier des rapports (créé au besoin). Le notebook exécuté va dans
        ``<output_dir>/executes/``.
    parameters
        Valeurs qui remplacent celles de la cellule marquée ``parameters``
        (par exemple ``{"CONFIG": "/chemin/ma_commune.yaml"}``).
    timeout
        Durée maximale d'une cellule, en secondes.

    Returns
    -------
    Path
        Chemin du rapport HTML.

    Raises
    ------
    NotebookError
        Notebook introuvable, cellule en erreur (le message donne le notebook, le numéro de
        la cellule, sa première ligne et l'erreur), noyau arrêté ou délai dépassé.
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path).resolve()
    if not path.is_file():
        raise NotebookError(
            f"Notebook introuvable : {path}. Vérifiez le chemin (dossier notebooks/ du projet).",
            path,
        )
    output_dir = Path(output_dir).resolve()
    executed_dir = output_dir / "executes"
    executed_dir.mkdir(parents=True, exist_ok=True)
    executed = executed_dir / path.name
    if executed == path:
        raise NotebookError(
            f"Le dossier de sortie {output_dir} écraserait le notebook source {path.name} : "
            "choisissez un autre dossier (par exemple reports/).",
            path,
        )
    logger.info("Exécution de %s", path.name)
    try:
        nb = pm.execute_notebook(
            str(path),
            str(executed),
            parameters=dict(parameters or {}),
            kernel_name=KERNEL_NAME,
            cwd=str(path.parent),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
        )
    except pm.PapermillExecutionError as exc:
        raise _cell_error(path, executed, exc) from None
    except CellTimeoutError as exc:
        raise NotebookError(
            f"Le notebook « {path.name} » a dépassé le délai de {timeout} s sur une cellule. "
            f"Détail : {_first_line(str(exc))}. Notebook exécuté : {executed}.",
            path,
        ) from exc
    except DeadKernelError as exc:
        raise NotebookError(
            f"Le noyau Python s'est arrêté pendant l'exécution du notebook « {path.name} » "
            "(mémoire insuffisante ?). Relancez-le seul pour voir la cellule en cause.",
            path,
        ) from exc
    return export_html(nb, output_dir / f"{path.stem}.html", name=path.name)


def export_html(nb: nbformat.NotebookNode, target: str | Path, name: str = "") -> Path:
    """Exporte un notebook exécuté en HTML sans code ni ressource externe.

    Les sorties d'erreur standard (avertissements, journaux) ne vont pas dans le rapport :
    elles sont écrites dans le journal (`logging`) du kit.

    Parameters
    ----------
    nb
        Notebook déjà exécuté.
    target
        Fichier HTML à écrire.
    name
        Nom du notebook, pour les messages.

    Returns
    -------
    Path
        Le fichier écrit.
    """
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(nb)  # copie : le notebook exécuté garde toutes ses sorties
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                logger.warning("%s (sortie d'erreur) : %s", name, str(out.get("text", "")).strip())
            else:
                kept.append(out)
        cell.outputs = kept
    exporter = HTMLExporter(
        template_name="kit",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="fr",
    )
    title = _title(nb) or Path(target).stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    logger.info("Rapport écrit : %s (%d Ko)", target, target.stat().st_size // 1024)
    return target


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


def _cell_error(path: Path, executed: Path, exc: Exception) -> NotebookError:
    """Message français pour une cellule en erreur (sans la pile d'appels complète)."""
    nb = nbformat.read(executed, as_version=4)
    source = getattr(exc, "source", "") or ""
    number = None
    counted = 0
    # Numéro dans le notebook source : on ne compte ni la cellule d'erreur ni les paramètres
    # injectés, que papermill ajoute au notebook exécuté.
    added = {"papermill-error-cell-tag", "injected-parameters"}
    for cell in nb.cells:
        if added & set(cell.metadata.get("tags", [])):
            continue
        counted += 1
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            number = counted
            break
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc))
    where = f"à la cellule n° {number}" if number else "dans une cellule"
    return NotebookError(
        f"Le notebook « {path.name} » a échoué {where} "
        f"(« {_first_line(source)} ») : {ename} : {evalue}. "
        f"Corrigez la cellule ou ses données, puis relancez ; le notebook exécuté, avec "
        f"l'erreur complète, est dans {executed}.",
        path,
        number,
    )


def _first_line(text: str, width: int = 80) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= width else first[: width - 1] + "…"


def _title(nb: nbformat.NotebookNode) -> str:
    """Premier titre Markdown du notebook (sans les ``#``), ou chaîne vide."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return ""


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
