"""Exécuter un notebook (papermill) et l'exporter en HTML sans code, lisible hors ligne."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager

from kit._format import fmt_date
from kit._gate import escape_html, mask_personal
from kit.errors import KitError

logger = logging.getLogger(__name__)

__all__ = [
    "ANALYST_DIR",
    "ANALYST_TAG",
    "AUDIENCES",
    "KERNEL_NAME",
    "NotebookError",
    "TEMPLATE_DIR",
    "export_html",
    "run_notebook",
]

#: Dossier des gabarits nbconvert livrés avec le kit.
TEMPLATE_DIR = Path(__file__).resolve().parent / "nbtemplates"
KERNEL_NAME = "python3"
#: Étiquette (tag) des cellules réservées à l'analyste : environnement, chemins, tableaux
#: techniques, mode d'emploi. Elles ne figurent pas dans le rapport des élus.
ANALYST_TAG = "analyste"
#: Sous-dossier des rapports complets (version analyste), à côté des rapports des élus.
ANALYST_DIR = "analyste"
#: Publics d'un rapport : « elus » (sans cellules analyste ni sorties texte brutes) ou
#: « analyste » (tout).
AUDIENCES = ("elus", "analyste")
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


#: code exécuté d'abord quand le notebook tourne dans un noyau qui en a déjà exécuté un autre :
#: espace de noms vidé, dossier du notebook, et plotly.js à embarquer de nouveau dans le premier
#: graphique (`kit.charts.reset_show_state`) ; la cellule est retirée du notebook exécuté
_RESET = ("%reset -f\nimport os as _os\n_os.chdir({cwd!r})\nimport kit.charts as _charts\n"
          "_charts.reset_show_state()\ndel _os, _charts")


def run_notebook(
    path: str | Path,
    output_dir: str | Path,
    parameters: dict[str, object] | None = None,
    timeout: int = 600,
    kernel: KernelManager | None = None,
    collectivite: str | None = None,
) -> Path:
    """Exécute un notebook et écrit ses deux rapports.

    Le rapport des élus va dans ``<output_dir>/<nom>.html`` (sans les cellules marquées
    ``analyste`` ni les lignes affichées par ``print``) ; la version complète de l'analyste
    dans ``<output_dir>/analyste/<nom>.html``.

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
    kernel
        Noyau à réutiliser (déjà démarré ou non, il reste en marche après) : les imports du kit
        ne se paient qu'une fois pour plusieurs notebooks. Par défaut, un noyau neuf, arrêté à
        la fin.
    collectivite
        Nom de la collectivité, sur la couverture du rapport des élus.

    Returns
    -------
    Path
        Chemin du rapport HTML des élus.

    Raises
    ------
    NotebookError
        Notebook introuvable, cellule en erreur (le message donne le notebook, le numéro de
        la cellule, sa première ligne et l'erreur), noyau arrêté ou délai dépassé.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

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
    # paramètres injectés comme le fait papermill (cellule « injected-parameters » après la
    # cellule « parameters »), puis exécution directe par nbclient : papermill réécrirait le
    # notebook exécuté, lourd de ses graphiques, après chaque cellule
    nb = parameterize_notebook(load_notebook_node(str(path)), dict(parameters or {}),
                               kernel_name=KERNEL_NAME, language="python")
    reused = kernel is not None and kernel.has_kernel
    if reused:
        nb.cells.insert(0, nbformat.v4.new_code_cell(_RESET.format(cwd=str(path.parent))))
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME, km=kernel,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        try:
            client.execute()
        finally:
            if reused:
                nb.cells.pop(0)
    except CellTimeoutError as exc:
        nbformat.write(nb, executed)
        raise NotebookError(
            f"Le notebook « {path.name} » a dépassé le délai de {timeout} s sur une cellule. "
            f"Détail : {_first_line(str(exc))}. Notebook exécuté : {executed}.",
            path,
        ) from exc
    except CellExecutionError as exc:
        nbformat.write(nb, executed)
        raise _cell_error(path, executed, exc) from None
    except DeadKernelError as exc:
        raise NotebookError(
            f"Le noyau Python s'est arrêté pendant l'exécution du notebook « {path.name} » "
            "(mémoire insuffisante ?). Relancez-le seul pour voir la cellule en cause.",
            path,
        ) from exc
    nbformat.write(nb, executed)
    export_html(nb, output_dir / ANALYST_DIR / f"{path.stem}.html", name=path.name,
                audience="analyste")
    return export_html(nb, output_dir / f"{path.stem}.html", name=path.name, audience="elus",
                       collectivite=collectivite)


def export_html(nb: nbformat.NotebookNode, target: str | Path, name: str = "",
                audience: str = "analyste", collectivite: str | None = None,
                date: dt.date | None = None) -> Path:
    """Exporte un notebook exécuté en HTML sans code ni ressource externe.

    Les sorties d'erreur standard (avertissements, journaux) ne vont pas dans le rapport :
    elles sont écrites dans le journal (`logging`) du kit. Pour les élus
    (``audience="elus"``), les cellules marquées ``analyste`` et les lignes affichées par
    ``print`` (sortie standard, en police à chasse fixe) sont retirées aussi.

    Parameters
    ----------
    nb
        Notebook déjà exécuté.
    target
        Fichier HTML à écrire.
    name
        Nom du notebook, pour les messages.
    audience
        « elus » ou « analyste » (tout le notebook).
    collectivite, date
        Pour la couverture du rapport des élus (voir `cover_html`) ; date du jour par défaut.

    Returns
    -------
    Path
        Le fichier écrit.
    """
    from nbconvert import HTMLExporter

    if audience not in AUDIENCES:
        raise KitError(f"Public de rapport inconnu : {audience!r}. Choisissez parmi : "
                       f"{', '.join(AUDIENCES)}.")
    elus = audience == "elus"
    nb = nbformat.from_dict(nb)  # copie : le notebook exécuté garde toutes ses sorties
    if elus:
        nb.cells = _with_cover(_renumber_sections(_drop_analyst_cells(nb.cells)),
                               collectivite, date or dt.date.today())
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                if not elus:  # une seule fois dans le journal (la version analyste passe d'abord)
                    logger.warning("%s (sortie d'erreur) : %s", name,
                                   str(out.get("text", "")).strip())
            elif not (elus and out.get("output_type") == "stream"):
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


def _drop_analyst_cells(cells: list) -> list:
    """Cellules du rapport des élus : sans celles marquées ``analyste``. Si l'une d'elles
    portait le code de plotly.js (première figure affichée), ce code est gardé seul, sans la
    figure, pour que les figures suivantes se dessinent."""
    kept = []
    for cell in cells:
        if ANALYST_TAG not in cell.metadata.get("tags", []):
            kept.append(cell)
            continue
        for out in cell.get("outputs", []):
            page = out.get("data", {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            if "window.PlotlyConfig" in page:
                # plotly.js seul : ni la figure ni sa légende (<figure>, kit.charts.figure_html)
                cut = [at for at in (page.find("<figure"), page.find('<div id="')) if at >= 0]
                bundle = page[: min(cut)] if cut else page
                carrier = nbformat.v4.new_code_cell("")
                carrier.outputs = [nbformat.v4.new_output(
                    "display_data", data={"text/html": bundle + "</div>"})]
                kept.append(carrier)
                break
    return kept


_SECTION = re.compile(r"^## \d+\. ", flags=re.MULTILINE)


def _renumber_sections(cells: list) -> list:
    """Sections numérotées « ## 2. … » renumérotées 1, 2, 3… une fois les cellules de
    l'analyste retirées : le rapport des élus ne commence pas à la section 2."""
    number = 0

    def next_number(_: re.Match) -> str:
        nonlocal number
        number += 1
        return f"## {number}. "

    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = _SECTION.sub(next_number, cell.source)
    return cells


_FINDING = re.compile(r'<figcaption class="kit-constat"[^>]*>(.*?)</figcaption>', re.DOTALL)
_SOURCE = re.compile(r'<figure class="kit-graphique[^"]*"[^>]*data-source="([^"]*)"')
#: constats repris sur la couverture
MAX_FINDINGS = 5


#: constats au moins, complétés par les synthèses rédigées quand il y a peu de graphiques
MIN_FINDINGS = 3


def _synthesis_findings(cells: list) -> list[str]:
    """Première phrase de chaque paragraphe des synthèses (sorties Markdown des cellules),
    sans la mise en forme, passée par la porte de sortie (données personnelles masquées,
    HTML échappé)."""
    found = []
    for cell in cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = out.get("data", {}).get("text/markdown", "")
            text = "".join(text) if isinstance(text, list) else text
            for paragraph in re.split(r"\n\s*\n", text):
                plain = " ".join(re.sub(r"[*_`#>]+", "", paragraph).split())
                sentence = re.split(r"(?<=[.!?])\s", plain)[0].strip()
                if sentence:
                    found.append(escape_html(mask_personal(html.unescape(sentence))[0]))
    return found


def cover_html(cells: list, collectivite: str | None, date: dt.date) -> str:
    """Couverture d'un rapport des élus : la collectivité, la date, les constats des premiers
    graphiques (au plus `MAX_FINDINGS`, dans l'ordre du rapport ; complétés par les synthèses
    rédigées s'il y en a moins de `MIN_FINDINGS`) et leurs sources.

    Les constats et les sources sont ceux que `kit.charts.show` a écrits (déjà échappés) ;
    le nom de la collectivité et les phrases des synthèses passent ici par la porte de sortie
    (`kit._gate`)."""
    findings, sources = [], []
    for cell in cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            page = out.get("data", {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            for found in _FINDING.findall(page):  # le constat (titre), sans le sous-titre
                finding = found.split(" — ")[0].strip()  # (légende, mode de lecture)
                if finding and finding not in findings:
                    findings.append(finding)
            for source in _SOURCE.findall(page):  # sans le détail ni la date (« , au … »)
                short = re.split(r" \(|, au | ; ", source)[0].strip()
                if short and short not in sources:
                    sources.append(short)
    if len(findings) < MIN_FINDINGS:
        findings += [f for f in _synthesis_findings(cells) if f not in findings]
    parts = ['<div class="kit-couverture">']
    if collectivite:
        parts.append(f'<p class="kit-collectivite">{escape_html(collectivite)}</p>')
    parts.append(f'<p class="kit-date">Rapport du {fmt_date(date)}</p>')
    if findings:
        items = "".join(f"<li>{f}</li>" for f in findings[:MAX_FINDINGS])
        parts.append(f"<h2>Ce qu'il faut retenir</h2><ul class=\"kit-constats\">{items}</ul>")
    if sources:
        parts.append(f'<p class="kit-sources">Sources : {" ; ".join(sources)}.</p>')
    return "".join(parts) + "</div>"


def _with_cover(cells: list, collectivite: str | None, date: dt.date) -> list:
    """Cellules du rapport des élus, la couverture juste sous le titre (première ligne « # »)."""
    cover = nbformat.v4.new_code_cell("")
    cover.outputs = [nbformat.v4.new_output(
        "display_data", data={"text/html": cover_html(cells, collectivite, date)})]
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            title, _, rest = cell.source.lstrip().partition("\n")
            head = nbformat.v4.new_markdown_cell(title)
            tail = [nbformat.v4.new_markdown_cell(rest.strip())] if rest.strip() else []
            return cells[:i] + [head, cover, *tail] + cells[i + 1:]
    return [cover, *cells]


def _cell_error(path: Path, executed: Path, exc: Exception) -> NotebookError:
    """Message français pour une cellule en erreur (sans la pile d'appels complète)."""
    nb = nbformat.read(executed, as_version=4)
    source = getattr(exc, "source", "") or ""
    number = None
    counted = 0
    # Numéro dans le notebook source : on ne compte pas les paramètres injectés (ni la cellule
    # d'erreur que papermill ajoutait) au notebook exécuté.
    added = {"papermill-error-cell-tag", "injected-parameters"}
    for cell in nb.cells:
        if added & set(cell.metadata.get("tags", [])):
            continue
        counted += 1
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            number = counted
            source = source or cell.get("source", "")
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
