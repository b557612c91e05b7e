"""Rapport HTML → PDF A4 numéroté, par l'impression de Chromium sans fenêtre (headless).

Chromium dessine les graphiques plotly (``--virtual-time-budget`` lui laisse le temps d'exécuter
leurs scripts) puis imprime la page : mise en page A4, numéros de page et barre d'outils masquée
viennent de la feuille de style d'impression du gabarit « kit » (``@page``). L'en-tête et le
pied de page de Chromium (date, chemin du fichier) sont désactivés.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kit.errors import KitError
from kit.report._batch import NotebookRun

logger = logging.getLogger(__name__)

__all__ = ["BROWSERS", "PDF_UNAVAILABLE", "PdfQueue", "add_pdfs", "export_pdf", "find_chromium"]

#: Noms du navigateur cherchés dans le PATH, dans l'ordre.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Phrase de l'index quand aucun Chromium n'est installé.
PDF_UNAVAILABLE = ("Versions PDF non produites : Chromium n'est pas installé sur cet ordinateur "
                   "(sous Debian ou Ubuntu : apt-get install chromium). Les rapports HTML "
                   "s'impriment aussi depuis le navigateur (Fichier > Imprimer > PDF).")


def find_chromium() -> str | None:
    """Chemin de Chromium (ou Chrome) s'il est installé, sinon ``None``."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def export_pdf(html: str | Path, target: str | Path | None = None, *, timeout: int = 180,
               browser: str | None = None) -> Path:
    """Imprime un rapport HTML en PDF (A4, pages numérotées) avec Chromium.

    Parameters
    ----------
    html
        Rapport HTML (autonome, sans ressource externe).
    target
        PDF à écrire ; par défaut à côté du HTML, même nom.
    timeout
        Durée maximale de l'impression, en secondes.
    browser
        Chemin du navigateur ; par défaut `find_chromium`.

    Returns
    -------
    Path
        Le PDF écrit.

    Raises
    ------
    KitError
        Chromium absent, en échec ou trop lent ; le message dit quoi faire.
    """
    html = Path(html).resolve()
    target = Path(target) if target else html.with_suffix(".pdf")
    browser = browser or find_chromium()
    if browser is None:
        raise KitError(PDF_UNAVAILABLE)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kit-pdf-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                   "--no-first-run", f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   # largeur utile d'une page A4 à 96 ppp : les graphiques sont dessinés à
                   # la largeur imprimée
                   "--window-size=700,1000", "--virtual-time-budget=15000", f"--print-to-pdf={target.resolve()}",
                   html.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise KitError(f"Chromium n'a pas imprimé {html.name} en {timeout} s : relancez, ou "
                           "imprimez le rapport depuis un navigateur.") from exc
    if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        detail = (done.stderr or "").strip().splitlines()[-1:] or ["sans message"]
        raise KitError(f"Chromium n'a pas pu imprimer {html.name} en PDF ({detail[0]}). "
                       "Imprimez le rapport depuis un navigateur (Fichier > Imprimer > PDF).")
    logger.info("PDF écrit : %s (%d Ko)", target, target.stat().st_size // 1024)
    return target


class PdfQueue:
    """Imprime les rapports en PDF au fil de l'eau : chaque rapport part à l'impression dès
    qu'il est écrit, pendant que les notebooks suivants tournent encore.

    `submit` renseigne ``run.pdf`` (en arrière-plan) ; `finish` attend la fin des impressions
    et rend la phrase pour l'index quand des PDF manquent (Chromium absent ou en échec)."""

    def __init__(self, workers: int = 1):
        self.browser = find_chromium()
        if self.browser is None:
            logger.warning("%s", PDF_UNAVAILABLE)
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers)) if self.browser else None
        self._futures: list = []
        self._failed: list[str] = []

    def submit(self, run: NotebookRun) -> None:
        """Met le rapport de `run` à imprimer (rien s'il n'a pas de rapport)."""
        if self._pool is not None and run.html is not None:
            self._futures.append(self._pool.submit(self._one, run))

    def _one(self, run: NotebookRun) -> None:
        try:
            run.pdf = export_pdf(run.html, browser=self.browser)
        except KitError as exc:
            logger.warning("%s", exc)
            self._failed.append(run.title)

    def finish(self) -> str | None:
        """Attend les impressions ; phrase pour l'index si des PDF manquent, sinon None."""
        if self._pool is None:
            return PDF_UNAVAILABLE
        for future in self._futures:
            future.result()
        self._pool.shutdown()
        if self._failed:
            return (f"Version PDF non produite pour : {' ; '.join(sorted(self._failed))}. "
                    "Imprimez ces rapports depuis un navigateur (Fichier > Imprimer > PDF).")
        return None


def add_pdfs(runs: Sequence[NotebookRun], workers: int = 2) -> str | None:
    """Imprime en PDF chaque rapport écrit de `runs` (renseigne ``run.pdf``), deux à la fois.

    Returns
    -------
    str | None
        Phrase pour l'index quand des PDF manquent (Chromium absent ou en échec), sinon None.
    """
    queue = PdfQueue(workers)
    for run in runs:
        queue.submit(run)
    return queue.finish()
