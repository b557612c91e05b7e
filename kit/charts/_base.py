"""Socle des graphiques du kit : thème plotly « kit », style matplotlib, affichage des figures
dans les notebooks, source sous chaque graphique, export PNG/SVG. Réexporté par `kit.charts`.

Le thème reprend des couleurs du Système de design de l'État (DSFR) choisies pour rester
distinctes pour les personnes daltoniennes, et les séparateurs français (virgule décimale,
espace pour les milliers).

L'affichage passe par `show` plutôt que par `fig.show()` : le rendu par défaut de plotly
(type MIME ``application/vnd.plotly.v1+json``) est ignoré par nbconvert, et les graphiques
disparaîtraient des rapports HTML.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kit._format import (
    fmt_date,
    fmt_number,
    fmt_percent,
    humanize_table,
    short_axis,
    wrap_label,
)
from kit._gate import escape_html, mask_personal, plotly_safe, protect_table, seal_table
from kit.errors import KitError

logger = logging.getLogger(__name__)

__all__ = [
    "Unavailable",
    "unavailable",
    "FIGURE_CLASS",
    "HIGHLIGHT",
    "KIT_TEMPLATE",
    "MPL_STYLE",
    "OTHERS",
    "PALETTE",
    "PLOTLY_CONFIG",
    "LOCALE_FILE",
    "add_source",
    "figure_html",
    "fmt_date",
    "fmt_number",
    "fmt_percent",
    "locale_script",
    "mpl_style",
    "plot_valid_rows",
    "reset_show_state",
    "save",
    "show",
    "show_all",
    "short_axis",
    "style_table",
    "text_alternative",
]

#: Couleurs des séries, dans l'ordre d'utilisation (teintes « main » du DSFR, assombries quand
#: il le fallait pour un contraste d'au moins 3:1 sur fond blanc, le minimum du RGAA et des WCAG
#: pour un élément graphique). Les six premières gardent un écart de couleur CIELAB d'au moins
#: 16 entre elles, y compris en simulation de deutéranopie, protanopie et tritanopie (matrices
#: de Machado et al., 2009) : `tests/test_elus_access.py` le recalcule. Au-delà de six séries,
#: préférez un graphique en petits multiples. La couleur ne porte jamais seule un sens : les
#: graphiques ajoutent hachures, symboles ou traits (lisibles imprimés en noir et blanc).
PALETTE: tuple[str, ...] = (
    "#000091",  # bleu France (14,9:1)
    "#CE614A",  # rose tuile (3,9:1)
    "#009099",  # vert archipel (3,9:1)
    "#B38D27",  # jaune moutarde assombri (3,1:1 ; la teinte du DSFR, #C3992A, fait 2,7:1)
    "#465F9D",  # bleu écume (6,2:1)
    "#7D756D",  # beige gris galet assombri (4,5:1 ; #AEA397 fait 2,5:1)
    "#A558A0",  # violet glycine (4,7:1)
    "#65A030",  # vert bourgeon assombri (3,2:1 ; #68A532 fait 3,0:1)
)

#: Couleur de la collectivité quand elle est comparée (bleu France) et couleur des autres
#: (gris de contraste 3,4:1 sur blanc, suffisant pour un élément graphique selon le RGAA).
HIGHLIGHT = PALETTE[0]
OTHERS = "#8C8C8C"

_TEXT = "#161616"  # gris 50 du DSFR (texte principal)
_GRID = "#DDDDDD"  # gris 900 du DSFR (bordures)
_HEADER_CSS = "text-align: left; vertical-align: bottom"
_FONT = "Marianne, Arial, 'Helvetica Neue', sans-serif"

#: Options de la barre d'outils plotly : pas de logo, libellés en français.
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "locale": "fr"}

KIT_TEMPLATE = go.layout.Template(
    layout={
        "colorway": list(PALETTE),
        "separators": ", ",  # virgule décimale, espace pour les milliers : 1 234,5
        "font": {"family": _FONT, "size": 14, "color": _TEXT},
        "title": {"x": 0.0, "xanchor": "left", "font": {"size": 18}},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 60, "r": 30, "t": 80, "b": 100},
        "xaxis": {"gridcolor": _GRID, "linecolor": _TEXT, "ticks": "outside", "automargin": True},
        "yaxis": {"gridcolor": _GRID, "zerolinecolor": _TEXT, "automargin": True},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0.0},
        "hoverlabel": {"font": {"family": _FONT}},
    }
)
pio.templates["kit"] = KIT_TEMPLATE
pio.templates.default = "kit"

# plotly.js n'est inclus que dans la première figure affichée par un noyau (kernel) : les
# suivantes réutilisent `window.Plotly`, et le rapport HTML ne contient le code qu'une fois.
_state = {"plotlyjs_included": False}


def reset_show_state() -> None:
    """Oublie qu'une figure a déjà été affichée : la prochaine intégrera plotly.js.

    Utile si la sortie de la première figure a été effacée dans JupyterLab.
    """
    _state["plotlyjs_included"] = False


def add_source(fig: Any, text: str, date: Any = None) -> Any:
    """Ajoute une ligne « Source : … » (et sa date) sous le graphique ; renvoie `fig`.

    Parameters
    ----------
    fig
        Figure plotly ou matplotlib.
    text
        Texte de la source, par exemple ``"fichiers des services, données fictives"``.
    date
        Date des données (affichée « au 15 janvier 2026 »), facultative.

    Returns
    -------
    go.Figure ou matplotlib.figure.Figure
        La même figure, pour chaîner les appels.
    """
    text = f"Source : {text}" + (f", au {fmt_date(date)}" if date is not None else "")
    if not isinstance(fig, go.Figure):  # matplotlib
        fig.text(0.01, 0.005, text, fontsize=8, color="#666666", ha="left", va="bottom")
        return fig
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0.0,
        y=0.0,
        yshift=-75,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font={"size": 12, "color": "#666666"},
    )
    return fig


#: Style matplotlib du kit (versions statiques pour les diapositives).
MPL_STYLE: dict[str, Any] = {
    "axes.prop_cycle": None,  # rempli à l'usage (cycler importé paresseusement)
    "font.family": "sans-serif",
    "font.sans-serif": ["Marianne", "Arial", "DejaVu Sans"],
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titlelocation": "left",
    "axes.edgecolor": _TEXT,
    "axes.labelcolor": _TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": _GRID,
    "text.color": _TEXT,
    "xtick.color": _TEXT,
    "ytick.color": _TEXT,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "svg.hashsalt": "kit-territoires",  # SVG identiques d'une exécution à l'autre
    "axes.formatter.use_locale": False,
}


def mpl_style() -> Any:
    """Contexte matplotlib aux couleurs du kit : ``with mpl_style(): ...``."""
    import matplotlib as mpl
    from cycler import cycler

    return mpl.rc_context({**MPL_STYLE, "axes.prop_cycle": cycler(color=list(PALETTE))})


def save(fig: Any, path: str | Path) -> list[Path]:
    """Écrit une figure en PNG et en SVG pour les diapositives ; renvoie les deux chemins.

    Parameters
    ----------
    fig
        Figure plotly (exportée avec kaleido, qui a besoin de Chrome ou Chromium) ou
        matplotlib.
    path
        Chemin sans extension (ou avec : elle est remplacée), par exemple
        ``reports/images/radar``.

    Raises
    ------
    KitError
        Si l'export plotly est impossible (Chrome absent) : le message dit quoi installer.
    """
    base = Path(path)
    base = base.with_suffix("") if base.suffix.lower() in (".png", ".svg") else base
    base.parent.mkdir(parents=True, exist_ok=True)
    out = [base.with_name(base.name + ".png"), base.with_name(base.name + ".svg")]
    if isinstance(fig, go.Figure):
        fig = go.Figure(_safe_json(fig))
        width = fig.layout.width or 1000
        height = fig.layout.height or 560
        try:
            for target in out:
                fig.write_image(target, width=width, height=height,
                                scale=2 if target.suffix == ".png" else 1)
        except Exception as exc:  # kaleido : Chrome introuvable, processus arrêté…
            raise KitError(
                f"Impossible d'écrire l'image {out[0].name} : l'export des graphiques plotly "
                f"passe par kaleido, qui a besoin de Chrome ou Chromium ({exc}). Installez "
                "Chromium (sous Debian ou Ubuntu : apt-get install chromium) ou utilisez la "
                "version matplotlib du graphique.") from exc
        return out
    fig.savefig(out[0], dpi=200, bbox_inches="tight")
    fig.savefig(out[1], bbox_inches="tight", metadata={"Date": None})
    return out


def figure_html(fig: go.Figure, include_plotlyjs: bool) -> str:
    """Fragment HTML autonome (sans URL externe) d'une figure plotly.

    Parameters
    ----------
    fig
        Figure plotly.
    include_plotlyjs
        ``True`` pour intégrer le code de plotly.js (≈ 4,8 Mo) dans le fragment.

    Returns
    -------
    str
        Un ``<div>`` et son script de dessin ; chaque texte affiché de la figure est échappé
        (`kit._gate.plotly_safe`). Le graphique est dans un ``<figure>`` dont la légende
        (``<figcaption>``) est son texte de remplacement (`text_alternative`) : lue par les
        lecteurs d'écran, masquée à l'écran où le titre dessiné la répète, affichée à la
        place de ce titre sur un téléphone (feuille de style des rapports).
    """
    fragment = pio.to_html(
        _safe_json(fig),
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        include_mathjax=False,
        config=PLOTLY_CONFIG,
        validate=False,
    )
    # <div …> [plotly.js] <div id="…" class="plotly-graph-div"></div> <script>…</script> </div>
    at = max(fragment.find('<div id="'), 0)
    end = fragment.rstrip().rfind("</div>")
    head = fragment[:at] + (locale_script() if include_plotlyjs else "")
    # une grille de petits graphiques (cartes d'indicateurs) ne se serre pas sous 660 pixels :
    # sur un téléphone elle défile de côté (feuille de style des rapports)
    grid = fig.layout.grid.columns if fig.layout.grid else None
    classes = FIGURE_CLASS + (" kit-grille" if grid and grid >= 3 else "")
    # la source (« Source : … » sous le graphique) va aussi dans un attribut : la couverture
    # du rapport des élus la reprend (kit.report)
    sources = [str(a.text) for a in (fig.layout.annotations or ())
               if str(a.text or "").startswith("Source : ")]
    source = (f' data-source="{escape_html(_FORMAT_TAGS.sub("", sources[0])[9:].strip())}"'
              if sources else "")
    figure = (f'<figure class="{classes}" style="margin: 0; height: 100%"{source}>'
              f'<figcaption class="kit-constat" style="{_VISUALLY_HIDDEN}">'
              f"{escape_html(text_alternative(fig))}</figcaption>")
    return head + figure + fragment[at:end] + "</figure>" + fragment[end:]


#: Classe du ``<figure>`` de chaque graphique d'un rapport (voir `figure_html`).
FIGURE_CLASS = "kit-graphique"
# masqué à l'écran, lu par les lecteurs d'écran (la feuille de style des rapports l'affiche
# sur un téléphone)
_VISUALLY_HIDDEN = ("position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; "
                    "overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0")
_FORMAT_TAGS = re.compile(r"</?(?:b|i|sup|sub|extra)>|<span style='[^'<>]*'>|</span>")


def text_alternative(fig: go.Figure) -> str:
    """Texte de remplacement d'un graphique : son constat (titre et sous-titre), sans balise.

    Examples
    --------
    >>> text_alternative(go.Figure(layout={"title": "12 jeux en retard<br><sup>sur 30</sup>"}))
    '12 jeux en retard — sur 30'
    >>> text_alternative(go.Figure())
    'Graphique sans titre'
    """
    title = str(fig.layout.title.text or "").strip()
    if not title:
        return "Graphique sans titre"
    text = _FORMAT_TAGS.sub("", re.sub(r"<br\s*/?>", " — ", title))
    return mask_personal(" ".join(text.split()))[0]


#: Dictionnaire français de plotly.js (barre d'outils, dates), livré avec le kit : plotly ne
#: traduit rien tant qu'une « locale » n'est pas enregistrée dans la page.
LOCALE_FILE = Path(__file__).resolve().parent / "locale_fr.json"


def locale_script() -> str:
    """Balise ``<script>`` qui enregistre la locale française dans plotly.js (hors ligne)."""
    locale = json.loads(LOCALE_FILE.read_text(encoding="utf-8"))
    payload = json.dumps(locale, ensure_ascii=False).replace("</", "<\\/")
    return f"<script>window.Plotly && Plotly.register({payload});</script>"


def _safe_json(fig: go.Figure) -> dict[str, Any]:
    """Figure en JSON, chaque texte affiché échappé (`kit._gate.plotly_safe`)."""
    return plotly_safe(json.loads(pio.to_json(fig, validate=False)))


class Unavailable(str):
    """Graphique ou tableau sans données (première campagne, pas de pairs…) : `show` et
    `style_table` l'affichent comme une phrase en français au lieu d'échouer."""


def unavailable(data: Any, message: str) -> Unavailable | None:
    """`Unavailable(message)` si `data` est absent ou vide, sinon None."""
    if data is None or (hasattr(data, "empty") and data.empty):
        return Unavailable(message)
    return None


def _say(message: str) -> None:
    import html

    from IPython.display import HTML, display

    display(HTML(f'<p class="kit-indisponible"><em>{html.escape(message)}</em></p>'))


def show(fig: go.Figure | Unavailable) -> None:
    """Affiche une figure dans un notebook de façon qu'elle apparaisse dans le rapport HTML.

    La sortie contient deux représentations :

    - ``text/html`` : la figure et son script, plotly.js intégré uniquement pour la
      première figure affichée par le noyau ; c'est ce que nbconvert met dans le rapport,
      qui reste lisible hors ligne ;
    - ``application/vnd.plotly.v1+json`` : la figure elle-même, que JupyterLab et VS Code
      dessinent avec leur extension plotly quand elle est installée (sinon ils utilisent le
      HTML, qui fonctionne aussi tant que la sortie de la première figure est là).

    Parameters
    ----------
    fig
        Figure plotly.

    Examples
    --------
    >>> import plotly.express as px
    >>> show(px.bar(x=["A", "B"], y=[1, 2]))  # doctest: +SKIP
    """
    from IPython.display import display

    if isinstance(fig, Unavailable):
        _say(fig)
        return
    include = not _state["plotlyjs_included"]
    bundle = {
        "text/html": figure_html(fig, include_plotlyjs=include),
        "application/vnd.plotly.v1+json": {
            **_safe_json(fig),
            "config": PLOTLY_CONFIG,
        },
        "text/plain": f"Graphique : {_title(fig)}",
    }
    display(bundle, raw=True)
    _state["plotlyjs_included"] = True
    logger.debug("Figure affichée (plotly.js intégré : %s)", include)


def show_all(figures: list[go.Figure]) -> None:
    """Affiche plusieurs figures à la suite (voir `show`)."""
    for fig in figures:
        show(fig)


def _title(fig: go.Figure) -> str:
    text = fig.layout.title.text
    return str(text) if text else "sans titre"


def plot_valid_rows(summary: pd.DataFrame, threshold: float = 90.0) -> go.Figure:
    """Barres horizontales : part des lignes valides de chaque fichier chargé.

    Le titre énonce le constat (combien de fichiers passent sous le seuil) ; la source est
    indiquée sous le graphique.

    Chaque barre est nommée par ce que contient le fichier (colonne « données », titre de son
    schéma), jamais par son nom : le graphique va dans le rapport des élus. Les fichiers sous
    le seuil sont hachurés, pour rester repérables imprimés en noir et blanc.

    Parameters
    ----------
    summary
        Résumé de `kit.workspace.load_all` (colonnes « service », « données », « feuille »,
        « % lignes valides »).
    threshold
        Seuil, en %, en dessous duquel un fichier est signalé (ligne verticale).

    Returns
    -------
    go.Figure
        Figure à afficher avec `show`.
    """
    data = summary.dropna(subset=["% lignes valides"]).copy()
    data["libellé"] = _file_labels(data)
    data = data.sort_values("% lignes valides", ascending=True, kind="stable")  # pires en haut
    below = int((data["% lignes valides"] < threshold).sum())
    seuil = f"{threshold:g}".replace(".", ",")
    if data.empty:
        title = "Aucun fichier n'a pu être contrôlé : voir la colonne « problème » du tableau"
    elif below:
        title = f"{below} fichier(s) sur {len(data)} ont moins de {seuil} % de lignes valides"
    else:
        title = f"Les {len(data)} fichiers contrôlés ont au moins {seuil} % de lignes valides"
    unreadable = len(summary) - len(data)
    if unreadable and not data.empty:
        title += f"<br><sup>{unreadable} fichier(s) illisible(s) : voir le tableau</sup>"
    fig = go.Figure(
        go.Bar(
            x=data["% lignes valides"],
            y=data["libellé"],
            orientation="h",
            marker={"color": [PALETTE[1] if v < threshold else PALETTE[0]
                              for v in data["% lignes valides"]],
                    "pattern": {"shape": ["/" if v < threshold else ""
                                          for v in data["% lignes valides"]]}},
            customdata=data[["service"]],
            hovertemplate="%{y}<br>%{customdata[0]}<br>%{x:.1f} % de lignes valides"
            "<extra></extra>",
            texttemplate="%{x:.1f} %",
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.add_vline(x=threshold, line_dash="dash", line_color=_TEXT,
                  annotation_text=f"seuil {seuil} %", annotation_position="top")
    fig.update_layout(
        title=title,
        xaxis={"title": "% de lignes valides", "range": [0, 112], "ticksuffix": " %",
               "tickvals": [0, 20, 40, 60, 80, 100]},
        yaxis={"title": None, "autorange": "reversed", "tickfont": {"size": 12}},
        height=max(300, 60 + 48 * len(data)),
        margin={"r": 70},  # « 100,0 % » écrit au bout de la barre reste dans l'image
        showlegend=False,
    )
    return add_source(fig, "fichiers des services, contrôlés avec le kit (données fictives)")


def _file_labels(summary: pd.DataFrame) -> pd.Series:
    """Libellé de chaque fichier pour un graphique : ses données en mots (coupées en lignes
    courtes, lisibles sur un téléphone), puis la feuille ou le service quand deux fichiers
    contiennent les mêmes données."""
    words = (summary["données"] if "données" in summary else summary["service"]).astype(str)
    sheet = summary["feuille"].fillna("").astype(str) if "feuille" in summary else ""
    twin = words.duplicated(keep=False)
    words = words.where(~twin, words + " (" + sheet.where(sheet != "", summary["service"]) + ")")
    words = words.where(~words.duplicated(keep=False),
                        words + " n° " + (words.groupby(words).cumcount() + 1).astype(str))
    return words.map(lambda w: wrap_label(w, 28))


_YEAR_COLUMNS = {"annee", "année", "exercice", "millesime", "millésime", "campagne"}


def style_table(df: pd.DataFrame | Unavailable | None, precision: int = 1,
                empty: str = "Rien à montrer pour l'instant.") -> Any:
    """Tableau mis en forme à la française pour un rapport (virgule décimale, espace des milliers).

    Les en-têtes et les codes internes sont écrits en français (`kit._format`) : « Écart à la
    médiane (%) », « délégataire sans clause sur les données », « 4e trimestre 2023 ».
    Chaque cellule, en-tête et étiquette est échappée (HTML) ; chaque donnée personnelle
    reconnue dans une cellule (e-mail, téléphone, NIR, IBAN) est masquée et une note sous le
    tableau dit quelles cellules l'ont été.

    Parameters
    ----------
    df
        Tableau d'agrégats (jamais de données personnelles).
    precision
        Nombre de décimales des nombres non entiers.

    Returns
    -------
    pandas.io.formats.style.Styler
        Tableau sans index, valeurs manquantes affichées « — », vrai / faux affichés
        « oui » / « non ».
    """
    if isinstance(df, Unavailable) or df is None:
        _say(df if isinstance(df, Unavailable) else empty)
        return None
    df, note = protect_table(humanize_table(df))
    text_columns = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    # une année s'écrit « 2025 », jamais « 2 025 »
    years = [c for c in df.columns if str(c).lower() in _YEAR_COLUMNS
             and pd.api.types.is_integer_dtype(df[c])]
    flags = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
    return seal_table(
        df.style.format(precision=precision, decimal=",", thousands="\u202f", na_rep="—",
                        escape="html")
        .format("{}", subset=years, na_rep="—", escape="html")
        .format(lambda v: "—" if pd.isna(v) else ("oui" if v else "non"), subset=flags)
        .hide(axis="index")
        .set_properties(subset=text_columns, **{"text-align": "left"})
        .set_table_styles([{"selector": "th", "props": _HEADER_CSS}]),
        note)
