"""Graphiques de l'étape 4 : la collectivité parmi ses pairs.

Chaque fonction reçoit un tableau déjà calculé par `kit.benchmark` (elle ne calcule aucun
résultat) et renvoie une figure plotly au style du kit : la collectivité en bleu France
(``PALETTE[0]``), les pairs en gris, un titre qui énonce le constat, la source sous le
graphique (avec la mention « valeurs fictives » quand les données la portent).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from kit._format import fmt_number
from kit.benchmark import better_than_median, reliable_positions
from kit.charts._base import HIGHLIGHT, OTHERS, add_source
from kit.errors import KitError

__all__ = ["plot_comparison_table", "plot_peer_distribution", "plot_peer_ranking",
           "plot_peer_trend", "plot_percentile_profile"]

PEER_GREY = OTHERS
BAND_GREY = "rgba(150, 150, 150, 0.25)"
_TEXT = "#161616"
_DIRECTION = {"hausse": "plus haut = mieux", "baisse": "plus bas = mieux", "": "sans sens"}


def _source(df: pd.DataFrame, source: str | None) -> str:
    if source:
        return source
    text = df.attrs.get("source_texte") or "indicateurs fournis par la collectivité"
    return f"{text}<br>Territoires : INSEE, Code officiel géographique"


def _add_source(fig: go.Figure, text: str) -> go.Figure:
    """`kit.charts.add_source`, texte sur plusieurs lignes aligné à gauche."""
    add_source(fig, text)
    fig.layout.annotations[-1].align = "left"
    return fig


def _wrap(text: str, width: int = 38) -> str:
    """Coupe un libellé long en lignes (balises <br>) pour les axes."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _unit(unit: str) -> str:
    return f" {unit}" if unit and unit.strip() else ""


def _nth(rank: int) -> str:
    return "1er" if rank == 1 else f"{rank}e"


def _require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KitError(f"Tableau inattendu pour {what} : colonne(s) {', '.join(missing)} "
                       "absente(s). Utilisez la sortie de la fonction de `kit.benchmark` "
                       "indiquée dans l'aide.")


def _decimals(values: pd.Series) -> int:
    top = values.abs().max()
    return 0 if top >= 100 else 1


def plot_peer_distribution(values: pd.DataFrame, source: str | None = None) -> go.Figure:
    """Distribution des pairs (boîte et points) avec la collectivité mise en évidence.

    Parameters
    ----------
    values
        Sortie de `kit.benchmark.peer_values` (une année, un indicateur).
    source
        Texte de la source ; par défaut celui des données.

    Returns
    -------
    go.Figure
        Boîte à moustaches horizontale des valeurs du groupe, un point gris par pair, un
        losange bleu pour la collectivité ; le titre situe la collectivité par rapport à la
        médiane.
    """
    _require(values, ["nom", "valeur", "collectivite"], "la distribution des pairs")
    meta = values.attrs
    unit, dec = meta.get("unite", ""), _decimals(values["valeur"])
    peers = values[~values["collectivite"]]
    own = values[values["collectivite"]]
    median = float(values["valeur"].median())
    fig = go.Figure()
    fig.add_trace(go.Box(
        x=values["valeur"], name="", orientation="h", boxpoints=False, fillcolor=BAND_GREY,
        line={"color": PEER_GREY}, hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(
        x=peers["valeur"], y=[""] * len(peers), mode="markers", name="pairs",
        marker={"color": PEER_GREY, "size": 7, "opacity": 0.8},
        customdata=peers[["nom"]], hovertemplate="%{customdata[0]} : %{x}" + _unit(unit)
        + "<extra></extra>"))
    title = f"{meta.get('libelle', '')} ({meta.get('annee', '')})"
    if len(own):
        mine = float(own["valeur"].iloc[0])
        fig.add_trace(go.Scatter(
            x=[mine], y=[""], mode="markers+text", name=meta.get("nom", "collectivité"),
            marker={"color": HIGHLIGHT, "size": 16, "symbol": "diamond",
                    "line": {"color": "white", "width": 1.5}},
            text=[meta.get("nom", "")], textposition="top center",
            textfont={"color": HIGHLIGHT, "size": 14},
            hovertemplate=f"{meta.get('nom', '')} : %{{x}}{_unit(unit)}<extra></extra>"))
        gap = mine - median
        where = "au niveau de" if abs(gap) < 1e-9 else (
            "au-dessus de" if gap > 0 else "en dessous de")
        title = (f"{meta.get('nom', '')} : {fmt_number(mine, dec)}{_unit(unit)}, {where} la "
                 f"médiane de ses {len(peers)} pairs ({fmt_number(median, dec)}{_unit(unit)})"
                 f"<br><sup>{meta.get('libelle', '')}, {meta.get('annee', '')} — sens "
                 f"souhaitable : {_DIRECTION.get(meta.get('sens', ''), 'sans sens')}</sup>")
    fig.update_layout(
        title=title, height=360, showlegend=False, margin={"t": 110, "b": 120},
        xaxis={"title": f"{meta.get('libelle', '')}{' (' + unit + ')' if unit else ''}"},
        yaxis={"showticklabels": False})
    return _add_source(fig, _source(values, source))


def plot_peer_ranking(values: pd.DataFrame, source: str | None = None) -> go.Figure:
    """Classement des pairs en barres, du meilleur au moins bon, collectivité en bleu.

    Parameters
    ----------
    values
        Sortie de `kit.benchmark.peer_values`.
    source
        Texte de la source ; par défaut celui des données.

    Returns
    -------
    go.Figure
        Barres triées (la meilleure valeur selon le sens souhaitable en tête ; sans sens, la
        plus forte) ; noms affichés jusqu'à 40 territoires, au survol au-delà.
    """
    _require(values, ["nom", "valeur", "collectivite"], "le classement")
    meta = values.attrs
    sens, unit = meta.get("sens", ""), meta.get("unite", "")
    ascending = sens == "baisse"
    data = values.sort_values(["valeur", "nom"], ascending=[ascending, True], kind="stable")
    data = data.reset_index(drop=True)
    # la collectivité : couleur et hachures (repérable aussi en noir et blanc)
    marker = {"color": [HIGHLIGHT if own else PEER_GREY for own in data["collectivite"]],
              "pattern": {"shape": ["/" if own else "" for own in data["collectivite"]]}}
    dec = _decimals(data["valeur"])
    few = len(data) <= 40
    own_rows = data.index[data["collectivite"]].tolist()
    place = own_rows[0] + 1 if own_rows else None
    best = "meilleure" if sens else "plus forte"
    if few:
        bar = go.Bar(x=data["valeur"], y=list(range(len(data))), orientation="h",
                     marker=marker, customdata=data[["nom"]],
                     hovertemplate="%{customdata[0]} : %{x}" + _unit(unit) + "<extra></extra>")
    else:
        bar = go.Bar(x=list(range(1, len(data) + 1)), y=data["valeur"], marker=marker,
                     customdata=data[["nom"]],
                     hovertemplate="%{x}. %{customdata[0]} : %{y}" + _unit(unit)
                     + "<extra></extra>")
    fig = go.Figure(bar)
    median = float(data["valeur"].median())
    line = {"line_dash": "dash", "line_color": _TEXT,
            "annotation_text": f"médiane {fmt_number(median, dec)}"}
    (fig.add_vline(x=median, **line) if few else fig.add_hline(y=median, **line))
    if place is not None and not few:
        fig.add_annotation(x=place, y=float(data.loc[place - 1, "valeur"]),
                           text=meta.get("nom", ""), showarrow=True, arrowcolor=HIGHLIGHT,
                           font={"color": HIGHLIGHT}, ay=-40)
    title = (f"{meta.get('nom', '')} se classe {_nth(place)} sur {len(data)} "
             f"({best} valeur en tête)" if place else
             f"Classement de {len(data)} territoires")
    title += (f"<br><sup>{meta.get('libelle', '')}{' (' + unit + ')' if unit else ''}, "
              f"{meta.get('annee', '')} — sens souhaitable : "
              f"{_DIRECTION.get(sens, 'sans sens')}</sup>")
    if few:
        ticks = [f"<b>{n}</b>" if own else n for n, own in zip(data["nom"], data["collectivite"])]
        fig.update_layout(yaxis={"autorange": "reversed", "title": None, "tickmode": "array",
                                 "tickvals": list(range(len(data))), "ticktext": ticks},
                          xaxis={"title": unit or None}, height=max(340, 190 + 28 * len(data)),
                          margin={"t": 110, "b": 120})
    else:
        fig.update_layout(xaxis={"title": f"rang ({best} valeur à gauche)"},
                          yaxis={"title": unit or None}, height=460, bargap=0.15,
                          margin={"t": 110, "b": 120})
    fig.update_layout(title=title, showlegend=False)
    return _add_source(fig, _source(values, source))


def plot_percentile_profile(positions: pd.DataFrame, source: str | None = None) -> go.Figure:
    """Profil de percentiles : une ligne par indicateur, « meilleur » toujours à droite.

    Parameters
    ----------
    positions
        Sortie de `kit.benchmark.position` ; pour chaque indicateur, la dernière année
        présente est retenue. Les indicateurs sans sens souhaitable ou portant une alerte
        (trop peu de pairs, pas de valeur) sont écartés et signalés sous le titre.
    source
        Texte de la source ; par défaut celui des données.

    Returns
    -------
    go.Figure
        Pour chaque indicateur, une piste grise de 0 à 100 et un point bleu au percentile
        orienté (100 = meilleure position du groupe) ; ligne verticale à 50 (médiane).
    """
    _require(positions, ["indicateur", "libelle", "annee", "percentile_favorable", "alerte"],
             "le profil de percentiles")
    latest = positions.sort_values("annee").groupby("indicateur", sort=False).tail(1)
    usable = reliable_positions(latest)
    dropped = latest[~latest.index.isin(usable.index)]
    usable = usable.sort_values("percentile_favorable", kind="stable")
    name = positions.attrs.get("profile", {}).get("nom", "la collectivité")
    labels = [_wrap(f"{lib} ({int(a)})") for lib, a in zip(usable["libelle"], usable["annee"])]
    fig = go.Figure()
    for label in labels:
        fig.add_trace(go.Scatter(x=[0, 100], y=[label, label], mode="lines",
                                 line={"color": "#E5E5E5", "width": 8}, hoverinfo="skip",
                                 showlegend=False))
    custom = usable[["valeur", "unite", "mediane", "rang", "sur"]].astype(object)
    fig.add_trace(go.Scatter(
        x=usable["percentile_favorable"], y=labels, mode="markers", name=name,
        marker={"color": HIGHLIGHT, "size": 15, "line": {"color": "white", "width": 1.5}},
        customdata=custom, showlegend=False,
        hovertemplate="%{y}<br>percentile orienté : %{x:.0f}<br>valeur : %{customdata[0]} "
                      "%{customdata[1]}<br>médiane du groupe : %{customdata[2]:.1f}<br>rang "
                      "%{customdata[3]} sur %{customdata[4]} (1 = plus forte valeur)"
                      "<extra></extra>"))
    fig.add_vline(x=50, line_dash="dash", line_color=_TEXT, annotation_text="médiane",
                  annotation_position="top")
    better = int(better_than_median(usable).sum())
    title = (f"{name} fait mieux que la médiane de ses pairs sur {better} indicateur"
             f"{'s' if better > 1 else ''} sur {len(usable)}")
    if len(dropped):
        title += ("<br><sup>Non représentés (sans sens souhaitable ou comparaison peu "
                  f"fiable) : {', '.join(dropped['libelle'])}</sup>")
    fig.update_layout(
        title=title, showlegend=False, height=max(340, 170 + 56 * len(usable)),
        margin={"t": 110, "b": 120},
        xaxis={"range": [-2, 102], "tickvals": [0, 25, 50, 75, 100],
               "ticktext": ["0<br>moins bien", "25", "50", "75", "100<br>mieux"],
               "title": "percentile orienté (100 = meilleure position du groupe)"},
        yaxis={"title": None})
    return _add_source(fig, _source(positions, source))


def plot_peer_trend(trend: pd.DataFrame, source: str | None = None) -> go.Figure:
    """Évolution de la collectivité face à la médiane et à l'écart interquartile du groupe.

    Parameters
    ----------
    trend
        Sortie de `kit.benchmark.peer_trend`.
    source
        Texte de la source ; par défaut celui des données.

    Returns
    -------
    go.Figure
        Bande grise du premier au troisième quartile, médiane en tirets gris, collectivité en
        bleu ; le titre compare les deux évolutions.
    """
    _require(trend, ["annee", "valeur", "mediane", "q1", "q3"], "l'évolution")
    meta = trend.attrs
    unit = meta.get("unite", "")
    dec = _decimals(trend["mediane"])
    years = trend["annee"].tolist()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=years, y=trend["q3"], mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=years, y=trend["q1"], mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=BAND_GREY,
                             name="moitié centrale des pairs (1er au 3e quartile)",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=years, y=trend["mediane"], mode="lines+markers",
                             name="médiane du groupe", line={"color": PEER_GREY, "dash": "dash"},
                             marker={"color": PEER_GREY},
                             hovertemplate="%{x} : médiane %{y}" + _unit(unit)
                             + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=trend["valeur"], mode="lines+markers",
                             name=meta.get("nom", "collectivité"),
                             line={"color": HIGHLIGHT, "width": 3},
                             marker={"color": HIGHLIGHT, "size": 8},
                             hovertemplate="%{x} : %{y}" + _unit(unit) + "<extra></extra>"))
    known = trend.dropna(subset=["valeur"])
    if len(known) >= 2:
        first, last = known.iloc[0], known.iloc[-1]
        med0 = trend.loc[trend["annee"] == first["annee"], "mediane"].iloc[0]
        med1 = trend.loc[trend["annee"] == last["annee"], "mediane"].iloc[0]
        title = (f"{meta.get('nom', '')} : de {fmt_number(first['valeur'], dec)} à "
                 f"{fmt_number(last['valeur'], dec)}{_unit(unit)} entre {int(first['annee'])} "
                 f"et {int(last['annee'])} ; médiane des pairs de {fmt_number(med0, dec)} à "
                 f"{fmt_number(med1, dec)}")
    else:
        title = f"{meta.get('libelle', '')} : la collectivité et ses pairs"
    title += (f"<br><sup>{meta.get('libelle', '')} — sens souhaitable : "
              f"{_DIRECTION.get(meta.get('sens', ''), 'sans sens')}</sup>")
    fig.update_layout(title=title, xaxis={"title": None, "dtick": 1},
                      yaxis={"title": unit or None}, height=460,
                      margin={"t": 130, "b": 120},
                      legend={"traceorder": "reversed", "y": 1.04})
    return _add_source(fig, _source(trend, source))


def _cell(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, (int, float)):
        return fmt_number(float(value), decimals)
    return str(value)


def plot_comparison_table(table: pd.DataFrame, source: str | None = None) -> go.Figure:
    """Tableau « comparateur de territoires » : une colonne par territoire, collectivité en
    bleu.

    Parameters
    ----------
    table
        Sortie de `kit.benchmark.comparison_table`.
    source
        Texte de la source ; par défaut celui des données.

    Returns
    -------
    go.Figure
        Tableau plotly : indicateurs en lignes, la collectivité, les pairs choisis et la
        médiane du groupe en colonnes, nombres à la française.
    """
    _require(table, ["Indicateur", "Unité", "Année"], "le tableau comparatif")
    name = table.attrs.get("profile", {}).get("nom")
    columns = list(table.columns)
    cells = []
    for col in columns:
        if col in ("Indicateur", "Unité"):
            cells.append(table[col].astype(str).tolist())
        elif col == "Année":
            cells.append(table[col].astype(int).astype(str).tolist())
        else:
            cells.append([_cell(v, 0 if abs(v) >= 100 else 1) if isinstance(v, (int, float))
                          else _cell(v, 1) for v in table[col]])
    fills = [["#E3E3FD"] * len(table) if col == name else ["white"] * len(table)
             for col in columns]
    header_fill = [HIGHLIGHT if col == name else "#F6F6F6" for col in columns]
    header_font = ["white" if col == name else _TEXT for col in columns]
    fig = go.Figure(go.Table(
        columnwidth=[2.8, 0.9, 0.7] + [1.6] * (len(columns) - 3),
        header={"values": [f"<b>{c}</b>" for c in columns], "fill_color": header_fill,
                "font": {"color": header_font, "size": 13}, "align": "left",
                "line_color": "#DDDDDD"},
        cells={"values": cells, "fill_color": fills, "align": ["left", "left", "left"]
               + ["right"] * (len(columns) - 3), "line_color": "#DDDDDD",
               "font": {"size": 13}, "height": 28}))
    n_peers = len(columns) - 5
    fig.update_layout(
        title=f"{name or 'La collectivité'} et {n_peers} territoire{'s' if n_peers > 1 else ''}"
              " de son groupe, indicateur par indicateur",
        height=280 + 50 * len(table), margin={"t": 80, "b": 120})
    return _add_source(fig, _source(table, source))
