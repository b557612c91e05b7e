"""Plusieurs notebooks d'une collectivité en un passage : noyaux en parallèle (un par cœur),
un rapport HTML par notebook et une page d'index (``python -m kit rapport``).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import KernelManager

from kit._format import fmt_date, fmt_number
from kit.errors import KitError
from kit.report._notebook import ANALYST_DIR, KERNEL_NAME, NotebookError, run_notebook

__all__ = ["NotebookRun", "check_workers", "run_batch", "write_index"]

logger = logging.getLogger(__name__)


@dataclass
class NotebookRun:
    """Un notebook de la série : son rapport, ou la raison pour laquelle il n'y en a pas."""

    notebook: str
    title: str
    html: Path | None = None
    error: str | None = None
    skipped: str | None = None
    seconds: float = 0.0
    pdf: Path | None = None
    slides: Path | None = None

    @property
    def ok(self) -> bool:
        """Rapport écrit, ou étape volontairement sautée (fichiers absents)."""
        return self.error is None


def _run_one(path: str, output_dir: str, parameters: dict[str, object], timeout: int,
             kernel: KernelManager | None = None, collectivite: str | None = None
             ) -> tuple[str | None, str | None, float]:
    """Un notebook, dans un fil de la série : (rapport, erreur, durée)."""
    start = time.perf_counter()
    try:
        report = run_notebook(path, output_dir, parameters, timeout=timeout, kernel=kernel,
                              collectivite=collectivite)
    except NotebookError as exc:
        return None, str(exc), time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 — tout échec d'un notebook est rapporté, les autres tournent
        return None, f"{type(exc).__name__} : {exc}", time.perf_counter() - start
    return str(report), None, time.perf_counter() - start


def _stop(kernel: KernelManager) -> None:
    if kernel.has_kernel:
        try:
            kernel.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 — un noyau déjà mort n'empêche pas la suite
            logger.debug("Arrêt du noyau", exc_info=True)


def run_batch(jobs: Sequence[tuple[Path, str, dict[str, object]]], output_dir: str | Path, *,
              workers: int = 2, progress: bool = True, timeout: int = 600,
              on_report: Callable[[NotebookRun], None] | None = None,
              collectivite: str | None = None) -> list[NotebookRun]:
    """Exécute des notebooks en parallèle et écrit leurs rapports.

    Chaque fil garde un noyau pour tous les notebooks qu'il exécute (espace de noms vidé entre
    deux) : le démarrage du noyau et les imports du kit ne se paient qu'une fois par fil. Un
    notebook en échec n'arrête pas les autres : son erreur (cellule et message, en français)
    est gardée dans le résultat, et le fil repart avec un noyau neuf.

    Parameters
    ----------
    jobs
        (notebook, titre, paramètres) dans l'ordre de la méthode ; les premiers partent d'abord.
    output_dir
        Dossier des rapports.
    workers
        Notebooks exécutés en même temps (un par cœur ; 1 = l'un après l'autre).
    progress
        Barre de progression (tqdm) sur la sortie d'erreur.
    on_report
        Appelé avec chaque notebook dont le rapport vient d'être écrit (impression en PDF au
        fil de l'eau, par exemple).
    collectivite
        Nom de la collectivité, sur la couverture de chaque rapport des élus.

    Returns
    -------
    list[NotebookRun]
        Dans l'ordre de `jobs`.
    """
    runs = [NotebookRun(Path(p).stem, title) for p, title, _ in jobs]
    if not jobs:
        return runs
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="Rapports", unit="notebook", leave=False)
    pending = list(range(len(jobs)))
    lock = threading.Lock()

    def worker() -> None:
        # Des fils suffisent : chaque notebook tourne dans un noyau (un processus), le fil ne
        # fait que le piloter puis écrire le HTML.
        kernel = KernelManager(kernel_name=KERNEL_NAME)
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    i = pending.pop(0)
                path, _, params = jobs[i]
                report, error, seconds = _run_one(str(path), str(output_dir), dict(params),
                                                  timeout, kernel, collectivite)
                if error is not None:  # noyau peut-être mort ou encore occupé : un neuf
                    _stop(kernel)
                    kernel = KernelManager(kernel_name=KERNEL_NAME)
                with lock:
                    run = runs[i]
                    run.html, run.error, run.seconds = (
                        Path(report) if report else None), error, seconds
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix_str(run.notebook)
                if on_report is not None and run.html is not None:
                    on_report(run)
        finally:
            _stop(kernel)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        for future in [pool.submit(worker) for _ in range(max(1, min(workers, len(jobs))))]:
            future.result()
    if bar is not None:
        bar.close()
    return runs


def write_index(output_dir: str | Path, collectivite: str, runs: Sequence[NotebookRun], *,
                version: str, sources: Sequence[str] = (), date: dt.date | None = None,
                notes: Sequence[str] = ()) -> Path:
    """Page d'accueil des rapports : la collectivité, la date, la version du kit, les sources et
    un lien par rapport (et sa version PDF) ; une étape sautée dit quel fichier la rendrait
    possible ; `notes` (PDF non produits…) s'affichent sous la liste.

    Toute valeur venant de la configuration est échappée (HTML).
    """
    output_dir = Path(output_dir)
    esc = html.escape
    items = []
    for run in runs:
        if run.html is not None:
            rel = run.html.resolve().relative_to(output_dir.resolve()).as_posix()
            state = (f'<a href="{esc(rel)}">{esc(run.title)}</a> <span class="ok">rapport prêt'
                     f"</span>{_pdf_link(run.pdf, output_dir)}"
                     f"{_pdf_link(run.slides, output_dir, 'diaporama')}"
                     f"{_analyst_link(run.html, output_dir)}")
        elif run.skipped:
            state = f'{esc(run.title)} <span class="skip">pas encore : {esc(run.skipped)}</span>'
        else:
            first = (run.error or "").strip().splitlines()[0] if run.error else ""
            state = (f'{esc(run.title)} <span class="err">non produit : {esc(first)}</span>')
        items.append(f"<li>{state}</li>")
    done = sum(r.html is not None for r in runs)
    page = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapports — {esc(collectivite)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       color: #161616; line-height: 1.5; }}
h1 {{ font-size: 1.6rem; }} li {{ margin: .6rem 0; }} a {{ color: #000091; }}
.ok {{ color: #18753C; }} a.full {{ color: #666; font-size: .9rem; }} .skip {{ color: #666; }} .note {{ color: #3a3a3a; font-style: italic; }} .err {{ color: #CE0500; }}
footer {{ margin-top: 2rem; font-size: .9rem; color: #3a3a3a; }}
</style></head><body>
<h1>{esc(collectivite)} — rapports de la démarche données</h1>
<p>Produits le {esc(fmt_date(date or dt.date.today()))} : {fmt_number(done, 0)} rapport(s) sur
{fmt_number(len(runs), 0)} étape(s).</p>
<ul>
{chr(10).join(items)}
</ul>
{"".join(f'<p class="note">{esc(n)}</p>' for n in notes)}
<footer><p>Sources : {esc(" ; ".join(sources) or "fichiers des services de la collectivité")}.</p>
<p>kit-territoires {esc(version)} — rapports lisibles hors connexion.</p></footer>
</body></html>
"""
    target = output_dir / "index.html"
    output_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def _pdf_link(pdf: Path | None, output_dir: Path, label: str = "PDF") -> str:
    """Lien vers une autre forme du rapport (PDF, diaporama), si le fichier existe."""
    if pdf is None or not pdf.is_file():
        return ""
    rel = pdf.resolve().relative_to(output_dir.resolve()).as_posix()
    return f' — <a href="{html.escape(rel)}">{label}</a>'


def _analyst_link(report: Path, output_dir: Path) -> str:
    """Lien discret vers la version complète (analyste) d'un rapport, si elle existe."""
    full = report.parent / ANALYST_DIR / report.name
    if not full.is_file():
        return ""
    rel = full.resolve().relative_to(output_dir.resolve()).as_posix()
    return f' — <a class="full" href="{html.escape(rel)}">version analyste</a>'


def check_workers(workers: int) -> int:
    """Nombre de notebooks en parallèle, vérifié (au moins 1)."""
    if workers < 1:
        raise KitError(f"--parallele doit valoir au moins 1, reçu {workers}.")
    return workers
