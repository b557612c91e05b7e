"""Diaporama PowerPoint du comité de pilotage (python-pptx) : page de titre, chiffres clés,
décisions à prendre, puis un graphique par diapositive, son constat en titre.

Les graphiques sont les versions statiques (matplotlib) de ceux du rapport ; leur titre (le
constat) devient le titre de la diapositive. Toute donnée personnelle reconnue dans un texte
est masquée (`kit._gate.mask_personal`).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from kit._format import fmt_date
from kit._gate import mask_personal
from kit.charts._diagnostic import plot_radar_static
from kit.charts._kpi import plot_kpi_trend_static
from kit.charts._priorisation import plot_priority_matrix_static

logger = logging.getLogger(__name__)

__all__ = ["write_committee_slides"]

_DECISIONS_PER_SLIDE = 5
_MAX_KPI_SLIDES = 4
_BLUE = (0x00, 0x00, 0x91)


def _text(value: Any, width: int = 0) -> str:
    text = "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    text = mask_personal(text)[0]
    return text if not width or len(text) <= width else text[: width - 1].rstrip() + "…"


def _title_slide(prs: Any, title: str, subtitle: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = title
    slide.placeholders[1].text = subtitle


def _table_slide(prs: Any, title: str, header: list[str], rows: list[list[str]],
                 widths: list[float]) -> None:
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[5])  # titre seul
    slide.shapes.title.text = title
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.5), Inches(1.6),
                                   Inches(sum(widths)), Inches(0.4 * (len(rows) + 1)))
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Inches(width)
    for i, row in enumerate([header, *rows]):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(14 if i == 0 else 12)
                    run.font.bold = i == 0


def _chart_slide(prs: Any, fig: Any) -> None:
    """Diapositive d'un graphique matplotlib : son titre (le constat) en titre de la page."""
    import matplotlib.pyplot as plt
    from pptx.util import Inches

    finding = fig._suptitle.get_text() if fig._suptitle is not None else ""
    if fig._suptitle is not None:
        fig._suptitle.set_text("")
    for axes in fig.axes:
        for loc in ("left", "center", "right"):
            if axes.get_title(loc):
                finding = finding or axes.get_title(loc)
                axes.set_title("", loc=loc)
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = " ".join(finding.split()) or "Graphique"
    image.seek(0)
    picture = slide.shapes.add_picture(image, Inches(0.5), Inches(1.5), height=Inches(5.7))
    if picture.width > prs.slide_width - Inches(1):  # trop large : on cale sur la largeur
        ratio = (prs.slide_width - Inches(1)) / picture.width
        picture.width = int(picture.width * ratio)
        picture.height = int(picture.height * ratio)
    picture.left = int((prs.slide_width - picture.width) / 2)


def write_committee_slides(point: Any, target: str | Path) -> Path:
    """Écrit le diaporama du comité de pilotage (``.pptx``, 16:9).

    Parameters
    ----------
    point
        Résultat de `kit.comite.run_committee`.
    target
        Fichier ``.pptx`` à écrire.

    Returns
    -------
    Path
        Le fichier écrit : titre, chiffres clés, décisions à prendre (priorité 1 puis 2 puis 3,
        cinq par page), puis un graphique par page, son constat en titre.
    """
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    _title_slide(prs, f"Comité de pilotage — {_text(point.collectivite)}",
                 f"Point d'étape au {fmt_date(point.date)}")
    figures = [[_text(r["sujet"]), _text(r["valeur"]), _text(r["lecture"], 110)]
               for _, r in point.figures.iterrows()]
    _table_slide(prs, "Les chiffres clés", ["Sujet", "Valeur", "Lecture"], figures,
                 [3.6, 2.4, 6.3])
    decisions = point.decisions.sort_values("priorité", kind="stable")
    rows = [[_text(r["priorité"]), _text(r["sujet"], 60), _text(r["décision"], 170)]
            for _, r in decisions.iterrows()]
    pages = max(1, -(-len(rows) // _DECISIONS_PER_SLIDE))
    for page in range(pages):
        chunk = rows[page * _DECISIONS_PER_SLIDE:(page + 1) * _DECISIONS_PER_SLIDE]
        suffix = f" ({page + 1}/{pages})" if pages > 1 else ""
        _table_slide(prs, f"Les décisions à prendre{suffix}", ["Priorité", "Sujet", "Décision"],
                     chunk or [["—", "Aucune décision proposée", "—"]], [1.2, 3.6, 7.5])
    _chart_slide(prs, plot_radar_static(point.diag.levels, point.diag.date))
    if point.prio is not None:
        _chart_slide(prs, plot_priority_matrix_static(point.prio))
    summary = point.kpis.summary
    sheets = point.kpis.catalogue.drop_duplicates("code").set_index("code", drop=False)
    worrying = summary.loc[summary["statut"].isin(["alerte", "en retard"]), "code"]
    for code in list(worrying)[:_MAX_KPI_SLIDES]:
        _chart_slide(prs, plot_kpi_trend_static(point.kpis.values, sheets.loc[code], point.date))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prs.save(target)
    logger.info("Diaporama écrit : %s (%d diapositives)", target, len(prs.slides))
    return target
