"""Tous les rapports d'une collectivité en une commande (``python -m kit rapport``).

Chaque notebook dont la configuration fournit les fichiers est exécuté (deux à la fois sur une
machine à deux cœurs), les autres sont sautés et l'index dit quel fichier les rendrait
possibles. Les résultats d'une étape que plusieurs notebooks relisent (le comité refait les
étapes 1 à 4) sont calculés une fois par passage : cache temporaire indexé par l'empreinte
sha256 des fichiers lus (`kit.workspace.RUN_CACHE_ENV`), effacé à la fin.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import kit
from kit._paths import PROJECT_ROOT
from kit.documents import write_documents
from kit.errors import ConfigError, KitError
from kit.project._plan import plan_steps
from kit.publish import publish_all
from kit.report import NotebookRun, PdfQueue, run_batch, write_index
from kit.territories import REFERENCE
from kit.workspace import RUN_CACHE_ENV, load_config

__all__ = ["ReportSet", "run_report"]

#: Dossier des notebooks de la méthode.
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: Paramètre ``SORTIES`` de chaque notebook : sous-dossier des fichiers qu'il écrit.
_OUTPUTS = {"01_diagnostic": "diagnostic", "02_priorisation": "priorisation",
            "03_indicateurs": "indicateurs", "05_comite": "comite"}


@dataclass
class ReportSet:
    """Rapports d'une collectivité : index, notebooks exécutés, sautés ou en échec."""

    collectivite: str
    folder: Path
    index: Path
    runs: list[NotebookRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Aucun notebook en échec (les étapes sautées faute de fichiers ne comptent pas)."""
        return all(r.ok for r in self.runs)

    def to_text(self) -> str:
        """Compte rendu en français pour la ligne de commande."""
        lines = [f"{self.collectivite} : index des rapports {self.index}"]
        for run in self.runs:
            if run.html is not None:
                lines.append(f"- {run.title} : {run.html.name} ({run.seconds:.0f} s)")
            elif run.skipped:
                lines.append(f"- {run.title} : sauté, {run.skipped}")
            else:
                lines.append(f"- {run.title} : ÉCHEC — {run.error}")
        return "\n".join(lines)


#: Diaporama écrit par le notebook 05 dans son dossier de sorties, placé à côté de son rapport.
SLIDES_NAME = "comite.pptx"


def _place_slides(folder: Path, run: NotebookRun | None) -> None:
    """Copie le diaporama du comité à côté du rapport 05 (``05_comite.pptx``)."""
    written = folder / _OUTPUTS["05_comite"] / SLIDES_NAME
    if run is not None and run.html is not None and written.is_file():
        run.slides = Path(shutil.copy2(written, run.html.with_suffix(".pptx")))


def _selected(steps: Sequence[str] | None) -> set[str] | None:
    if not steps:
        return None
    wanted = {s.strip().zfill(2)[:2] for s in steps if s.strip()}
    unknown = sorted(w for w in wanted if not w.isdigit() or int(w) > 5)
    if unknown:
        raise ConfigError(f"Étape(s) inconnue(s) dans --etapes : {', '.join(unknown)}. "
                          "Étapes possibles : 00 à 05 (par exemple --etapes 01,03).")
    return wanted


def run_report(config: str | Path, output: str | Path | None = None, *,
               steps: Sequence[str] | None = None, workers: int = 2, progress: bool = True,
               notebooks_dir: str | Path = NOTEBOOKS_DIR, pdf: bool = True) -> ReportSet:
    """Exécute les notebooks que la configuration permet et écrit rapports et index.

    Parameters
    ----------
    config
        collectivite.yaml de la collectivité.
    output
        Dossier des rapports ; par défaut ``rapports/`` à côté de la configuration.
    steps
        Numéros des étapes à produire (« 01 », « 3 »…) ; par défaut toutes.
    workers
        Notebooks exécutés en même temps.
    notebooks_dir
        Dossier des notebooks (celui du kit par défaut).
    pdf
        Imprimer aussi chaque rapport des élus en PDF A4 (Chromium) ; sans Chromium, l'index
        le dit et les rapports HTML sont écrits quand même.

    Returns
    -------
    ReportSet
        ``ok`` faux si un notebook a échoué (les autres rapports sont écrits quand même).

    Raises
    ------
    ConfigError
        Configuration illisible ou incorrecte, étape inconnue.
    """
    config_path = Path(config).expanduser().resolve()
    cfg = load_config(config_path)
    folder = Path(output).expanduser().resolve() if output else config_path.parent / "rapports"
    wanted = _selected(steps)
    jobs, runs = [], []
    for step in plan_steps(cfg):
        if wanted is not None and step.notebook[:2] not in wanted:
            continue
        path = Path(notebooks_dir) / f"{step.notebook}.ipynb"
        run = NotebookRun(step.notebook, step.title)
        runs.append(run)
        if not step.ready:
            run.skipped = step.reason
            continue
        params: dict[str, object] = {"CONFIG": str(config_path)}
        if step.notebook in _OUTPUTS:
            params["SORTIES"] = str(folder / _OUTPUTS[step.notebook])
        jobs.append((path, step.title, params))
    name = str(cfg.get("nom") or config_path.stem)
    cache = tempfile.mkdtemp(prefix="kit-rapport-")
    previous = os.environ.get(RUN_CACHE_ENV)
    os.environ[RUN_CACHE_ENV] = cache  # hérité par les noyaux des notebooks
    try:
        # chaque rapport part à l'impression en PDF dès qu'il est écrit, pendant que les
        # notebooks suivants tournent
        printer = PdfQueue(workers) if pdf else None
        done = run_batch(jobs, folder, workers=workers, progress=progress,
                         on_report=printer.submit if printer else None,
                         collectivite=name)
        committee_ready = any(j[0].stem == "05_comite" for j in jobs)
        shared = _shared_outputs(cfg, folder) if committee_ready and wanted is None else []
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if previous is None:
            os.environ.pop(RUN_CACHE_ENV, None)
        else:
            os.environ[RUN_CACHE_ENV] = previous
    by_name = {r.notebook: r for r in done}
    runs = [by_name.get(r.notebook, r) for r in runs] + shared
    notes = [note for note in [printer.finish() if printer else None] if note]
    _place_slides(folder, by_name.get("05_comite"))
    index = write_index(folder, name, runs, version=kit.__version__,
                        sources=[f"{REFERENCE['source']} (millésime {REFERENCE['millesime']})",
                                 "fichiers des services de la collectivité"], notes=notes)
    return ReportSet(name, folder, index, runs)


def _shared_outputs(config: dict, folder: Path) -> list[NotebookRun]:
    """Ce que le passage écrit en plus des rapports, quand le comité peut tourner : la page pour
    les habitants et les données ouvertes (`kit.publish`), les documents de la méthode
    (`kit.documents`). Les étapes déjà calculées par les notebooks sont reprises du cache du
    passage. Un échec est dit dans l'index, les rapports restent."""
    out = []
    try:
        publish_all(config, folder)
        out.append(NotebookRun("public", "Page pour les habitants",
                               html=folder / "public" / "index.html"))
    except KitError as exc:
        out.append(NotebookRun("public", "Page pour les habitants", error=str(exc)))
    try:
        written = write_documents(config, folder / "documents")
        first = written.paths()[0]
        out.append(NotebookRun("documents", "Documents de la méthode (Word : charte, clauses, "
                                            "acculturation, organisation)", html=first))
    except KitError as exc:
        out.append(NotebookRun("documents", "Documents de la méthode", error=str(exc)))
    return out
