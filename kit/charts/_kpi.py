"""Graphiques des indicateurs (étape 3) : cartes pour le comité de pilotage, courbe avec
trajectoire et zone d'alerte (plotly et matplotlib), tableau des statuts.

Le statut est toujours écrit en toutes lettres à côté de sa couleur : la couleur seule ne
porte jamais l'information (personnes daltoniennes, impression en noir et blanc).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kit._format import fmt_period, label_column, wrap_label
from kit._gate import protect_table, seal_table
from kit.charts._base import (
    HIGHLIGHT,
    OTHERS,
    add_source,
    fmt_date,
    fmt_number,
    mpl_style,
    save,
)
from kit.errors import KitError
from kit.kpi import LATE, ON_TRACK

__all__ = ["STATUS_COLORS", "STATUS_SYMBOLS", "kpi_table", "plot_kpi_cards", "plot_kpi_trend",
           "plot_kpi_trend_static", "plot_kpi_trends", "save_kpi_slides"]

#: Couleurs des statuts (couleurs « système » du DSFR : succès, information, avertissement,
#: erreur), gris pour les cas sans jugement.
STATUS_COLORS = {
    "atteint": "#18753C", "en avance": "#18753C", "dans la trajectoire": "#000091",
    "en retard": "#B34000", "alerte": "#CE0500", "incomplet": "#666666",
    "sans donnée": "#666666", "sans cible": "#666666", "non calculé": "#666666",
}
#: Symbole du point de chaque statut, un par couleur : la courbe se lit aussi imprimée en noir
#: et blanc (triangle pointe en bas : en retard ; croix : alerte).
STATUS_SYMBOLS = {
    "atteint": "circle", "en avance": "circle", "dans la trajectoire": "square",
    "en retard": "triangle-down", "alerte": "x", "incomplet": "circle-open",
    "sans donnée": "circle-open", "sans cible": "circle-open", "non calculé": "circle-open",
}
_SOURCE = "fichiers des services, catalogue des indicateurs"


def _unit(unit: Any) -> str:
    return "" if unit is None or pd.isna(unit) else f" {unit}"


def plot_kpi_cards(summary: pd.DataFrame, columns: int = 3, date: Any = None) -> go.Figure:
    """Cartes d'indicateurs : dernière valeur, évolution sur un an, statut et écart à la cible.

    Parameters
    ----------
    summary
        ``Kpis.summary`` (une ligne par indicateur).
    columns
        Nombre de cartes par ligne.
    """
    data = summary.reset_index(drop=True)
    rows = max(1, math.ceil(len(data) / columns))
    fig = go.Figure()
    for i, card in data.iterrows():
        r, c = divmod(i, columns)
        color = STATUS_COLORS.get(card["statut"], "#666666")
        good_up = card["sens"] == "hausse"
        gap = ""
        if pd.notna(card["ecart_cible_pct"]):
            gap = (f" · écart à la cible {'+' if card['ecart_cible_pct'] > 0 else ''}"
                   f"{fmt_number(card['ecart_cible_pct'], 0)} %")
        # lignes courtes : trois cartes côte à côte tiennent sur une page A4 ou une tablette
        label = wrap_label(f"{card['code']} {card['libelle']}", 32).replace(
            str(card["code"]), f"<b>{card['code']}</b>", 1)
        title = (f"{label}<br><span style='font-size:11px;color:{color}'>■ {card['statut']}"
                 f"{gap}</span>")
        value = card["derniere_valeur"]
        digits = 0 if pd.isna(value) or abs(value) >= 100 else 1 if abs(value) >= 10 else 2
        before = (card["derniere_valeur"] / (1 + card["evolution_un_an"] / 100)
                  if pd.notna(card["evolution_un_an"]) else None)
        fig.add_trace(go.Indicator(
            mode="number+delta" if before is not None else "number",
            value=None if pd.isna(card["derniere_valeur"]) else float(card["derniere_valeur"]),
            number={"suffix": _unit(card["unite"]), "valueformat": f",.{digits}f",
                    "font": {"size": 24, "color": color}},
            delta={"reference": before, "relative": True, "valueformat": "+.1%",
                   "increasing": {"color": "#18753C" if good_up else "#B34000"},
                   "decreasing": {"color": "#B34000" if good_up else "#18753C"}}
            if before is not None else None,
            title={"text": title, "font": {"size": 13}},
            domain={"row": r, "column": c}))
        x0, x1 = c / columns + 0.005, (c + 1) / columns - 0.005
        y1, y0 = 1 - r / rows - 0.01, 1 - (r + 1) / rows + 0.01
        fig.add_shape(type="rect", xref="paper", yref="paper", x0=x0, x1=x1, y0=y0, y1=y1,
                      line={"color": color, "width": 2}, fillcolor="rgba(0,0,0,0)")
    late = int(data["statut"].isin(LATE).sum())
    good = int(data["statut"].isin(ON_TRACK).sum())
    fig.update_layout(
        grid={"rows": rows, "columns": columns, "pattern": "independent"},
        height=210 * rows + 160, margin={"t": 110, "b": 110},
        title=f"{good} indicateur(s) sur {len(data)} atteignent leur cible ou suivent leur "
              f"trajectoire ; {late} sont en retard ou en alerte")
    # court : une annotation ne passe pas à la ligne et serait coupée sur une page A4
    return add_source(fig, _SOURCE + " ; évolution sur un an", date)


def _bands(row: pd.Series) -> list[tuple[float, float]]:
    """Zones d'alerte (bas, haut) selon le sens ; infini remplacé plus tard par l'axe."""
    alert, target = row.get("seuil_alerte"), row.get("cible")
    if alert is None or pd.isna(alert):
        return []
    if row["sens"] == "hausse":
        return [(-math.inf, alert)]
    if row["sens"] == "baisse":
        return [(alert, math.inf)]
    if target is None or pd.isna(target):
        return []
    return [(-math.inf, target - alert), (target + alert, math.inf)]


def _title(row: pd.Series, last: pd.Series | None) -> str:
    if last is None:
        return f"{row['code']} {row['libelle']} : aucune valeur calculée"
    target = ""
    if pd.notna(row.get("cible")):
        target = (f", cible {fmt_number(row['cible'], 1)}{_unit(row['unite'])} au "
                  f"{fmt_date(row['echeance'])}")
    return (f"{row['libelle']} : {last['statut']} ({fmt_number(last['valeur'], 1)}"
            f"{_unit(row['unite'])} en {fmt_period(last['periode']) or last['periode']}{target})")


def plot_kpi_trend(values: pd.DataFrame, row: pd.Series, date: Any = None) -> go.Figure:
    """Courbe d'un indicateur : valeurs, trajectoire vers la cible, zone d'alerte.

    Parameters
    ----------
    values
        ``Kpis.values`` (toutes les périodes de tous les indicateurs).
    row
        La ligne du catalogue de l'indicateur (code, libellé, unité, sens, référence, cible,
        échéance, seuil d'alerte).
    """
    data = values[values["code"] == row["code"]]
    known = data[data["valeur"].notna()]
    fig = go.Figure()
    lows = [v for v in (data["valeur"].min(), data["attendu"].min(), row.get("cible"),
                        row.get("seuil_alerte")) if v is not None and pd.notna(v)]
    highs = [v for v in (data["valeur"].max(), data["attendu"].max(), row.get("cible"),
                         row.get("seuil_alerte")) if v is not None and pd.notna(v)]
    low, high = (min(lows), max(highs)) if lows else (0, 1)
    pad = (high - low) * 0.15 or 1
    for a, b in _bands(row):
        fig.add_hrect(y0=max(a, low - pad), y1=min(b, high + pad), fillcolor="#CE0500",
                      opacity=0.08, line_width=0, annotation_text="zone d'alerte",
                      annotation_position="top left", annotation_font_color="#CE0500")
    fig.add_trace(go.Scatter(x=data["fin"], y=data["attendu"], name="trajectoire",
                             mode="lines", line={"color": OTHERS, "dash": "dash", "width": 2}))
    fig.add_trace(go.Scatter(
        x=data["fin"], y=data["valeur"], name="valeur", mode="lines+markers",
        line={"color": HIGHLIGHT, "width": 2.5},
        marker={"size": 10, "color": [STATUS_COLORS.get(s, "#666666") for s in data["statut"]],
                "symbol": [STATUS_SYMBOLS.get(s, "circle-open") for s in data["statut"]]},
        customdata=data[["periode", "statut"]].to_numpy(),
        hovertemplate="%{customdata[0]} : %{y:,.2f}" + _unit(row["unite"])
                      + " (%{customdata[1]})<extra></extra>"))
    if pd.notna(row.get("cible")) and pd.notna(row.get("echeance")):
        fig.add_trace(go.Scatter(x=[row["echeance"]], y=[row["cible"]], name="cible",
                                 mode="markers", marker={"symbol": "star", "size": 16,
                                                         "color": "#18753C"}))
    fig.update_layout(title=_title(row, known.iloc[-1] if len(known) else None),
                      yaxis={"title": str(row["unite"]), "range": [low - pad, high + pad]},
                      xaxis={"title": None}, height=460)
    return add_source(fig, _SOURCE, date)


def plot_kpi_trend_static(values: pd.DataFrame, row: pd.Series, date: Any = None) -> Any:
    """Version matplotlib de `plot_kpi_trend`, pour les diapositives."""
    import matplotlib.pyplot as plt

    data = values[values["code"] == row["code"]]
    known = data[data["valeur"].notna()]
    with mpl_style():
        fig, ax = plt.subplots(figsize=(9, 4.8))
        ax.plot(data["fin"], data["attendu"], "--", color=OTHERS, label="trajectoire")
        ax.plot(data["fin"], data["valeur"], "-", color=HIGHLIGHT, linewidth=2, label="valeur")
        ax.scatter(data["fin"], data["valeur"], zorder=3, s=25,
                   c=[STATUS_COLORS.get(s, "#666666") for s in data["statut"]])
        if pd.notna(row.get("cible")) and pd.notna(row.get("echeance")):
            ax.scatter([row["echeance"]], [row["cible"]], marker="*", s=200, color="#18753C",
                       label="cible", zorder=4)
        bottom, top = ax.get_ylim()
        for a, b in _bands(row):
            ax.axhspan(max(a, bottom), min(b, top), color="#CE0500", alpha=0.08,
                       label="zone d'alerte")
        ax.set_ylim(bottom, top)
        ax.yaxis.set_major_formatter(lambda v, _: fmt_number(v, 0 if abs(v) >= 100 else 1))
        ax.set_ylabel(str(row["unite"]))
        ax.set_title(_title(row, known.iloc[-1] if len(known) else None), fontsize=11)
        ax.legend(frameon=False, loc="best")
        add_source(fig, _SOURCE, date)
    return fig


def kpi_table(summary: pd.DataFrame, compact: bool = False) -> Any:
    """Tableau de tous les indicateurs avec leur statut coloré (et écrit), pour un rapport.

    ``compact=True`` (rapport des élus) garde huit colonnes : sans le code de l'indicateur
    ni la date de mise à jour de sa source.
    """
    table = summary.assign(
        valeur=[f"{fmt_number(v, 1)}{_unit(u)}" for v, u in zip(summary["derniere_valeur"],
                                                                  summary["unite"])],
        cible_txt=[("—" if pd.isna(c) else f"{fmt_number(c, 1)}{_unit(u)} "
                    f"({pd.Timestamp(e).year if pd.notna(e) else '—'})")
                   for c, u, e in zip(summary["cible"], summary["unite"], summary["echeance"])],
        maj=["en retard" if late else "à jour" for late in summary["maj_en_retard"]],
    )[["code", "libelle", "secteur", "derniere_periode", "valeur", "tendance", "statut",
       "cible_txt", "maj", "responsable"]]
    table.columns = ["code", "indicateur", "secteur", "période", "dernière valeur", "tendance",
                     "statut", "cible (échéance)", "mise à jour", "pilote"]
    table["période"] = [fmt_period(p) or p for p in table["période"]]
    if compact:
        table = table.drop(columns=["code", "mise à jour"])
    table.columns = [label_column(c) for c in table.columns]

    def color(value: Any) -> str:
        tone = STATUS_COLORS.get(value)
        return f"color: {tone}; font-weight: bold" if tone else ""

    table, note = protect_table(table)
    return seal_table(table.style.hide(axis="index").map(color, subset=["Statut"])
                      .format(na_rep="—", escape="html")
                      .set_table_styles([{"selector": "th", "props": "text-align: left"}]), note)


def plot_kpi_trends(kpis: Any, codes: list[str] | None = None) -> list[go.Figure]:
    """Courbes de plusieurs indicateurs : ceux de `codes`, ou par défaut tous les indicateurs
    calculés, les plus préoccupants d'abord (alerte, en retard, puis les autres)."""
    sheets = kpis.catalogue.drop_duplicates("code").set_index("code", drop=False)
    summary = kpis.summary[kpis.summary["statut"] != "non calculé"]
    if not codes:
        order = {"alerte": 0, "en retard": 1}
        codes = sorted(summary["code"], key=lambda c: order.get(
            summary.set_index("code").loc[c, "statut"], 2))
    unknown = [c for c in codes if c not in set(summary["code"])]
    if unknown:

        raise KitError(f"Indicateur(s) sans valeur calculée ou absent(s) du catalogue : "
                       f"{', '.join(unknown)}. Codes calculés : "
                       f"{', '.join(summary['code'])}.")
    return [plot_kpi_trend(kpis.values, sheets.loc[c], kpis.date) for c in codes]


def save_kpi_slides(kpis: Any, folder: str | Path,
                    statuses: tuple[str, ...] = ("en retard", "alerte")) -> list[Path]:
    """Enregistre en PNG et SVG la courbe statique de chaque indicateur dont le dernier statut
    est dans `statuses` (par défaut : en retard ou en alerte) ; renvoie les fichiers écrits."""
    import matplotlib.pyplot as plt

    sheets = kpis.catalogue.drop_duplicates("code").set_index("code", drop=False)
    written: list[Path] = []
    for code in kpis.summary.loc[kpis.summary["statut"].isin(statuses), "code"]:
        fig = plot_kpi_trend_static(kpis.values, sheets.loc[code], kpis.date)
        written += save(fig, Path(folder) / code)
        plt.close(fig)
    return written
