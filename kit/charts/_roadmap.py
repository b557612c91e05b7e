"""Graphiques de la feuille de route (comité de pilotage) : diagramme de Gantt des actions,
budget par source de financement, matrice des risques. Les retards, les sommes et la matrice
viennent de `kit.roadmap` : ces graphiques ne recalculent aucune règle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kit._format import wrap_label
from kit.charts._base import HIGHLIGHT, OTHERS, PALETTE, add_source, fmt_date, fmt_number
from kit.roadmap import Roadmap, budget_by_source, late_actions, risk_matrix

__all__ = ["ALERT_COLOR", "plot_budget_by_source", "plot_risk_matrix", "plot_roadmap_gantt"]

#: Couleur d'alerte (rouge « erreur » du DSFR), la même que les indicateurs en alerte.
ALERT_COLOR = "#CE0500"
_DONE_COLOR = "#18753C"
_SOURCE = "feuille de route du projet de données"
# état d'une action → (couleur, hachures de sa barre, symbole de son jalon)
_GANTT_STYLE = {"late": (ALERT_COLOR, "/", "diamond-x"),
                "done": (_DONE_COLOR, ".", "diamond-open"),
                "open": (HIGHLIGHT, "", "diamond")}


def plot_roadmap_gantt(roadmap: Roadmap, date: dt.date | None = None) -> go.Figure:
    """Diagramme de Gantt : une ligne par action (toutes, dans l'ordre du classeur), les jalons
    en losange, les actions en retard à `date` (par défaut la date du comité) en couleur
    d'alerte, les actions faites en vert, un trait vertical à la date du jour du comité."""
    date = date or roadmap.date or dt.date.today()
    acts = roadmap.actions.reset_index(drop=True)
    late = set(late_actions(roadmap, date)["identifiant"])
    # libellés coupés en lignes courtes : la frise garde sa largeur (téléphone, page A4)
    labels = [wrap_label(f"{i} — {t}", 34) if isinstance(t, str) else str(i)
              for i, t in zip(acts["identifiant"], acts["titre"])]
    start = pd.to_datetime(acts["debut"]).fillna(pd.to_datetime(acts["echeance"]))
    end = pd.to_datetime(acts["echeance"]).fillna(start)
    # couleur, hachures des barres et symbole des jalons : lisible aussi en noir et blanc
    state = ["late" if i in late else "done" if s == "fait" else "open"
             for i, s in zip(acts["identifiant"], acts["statut"].fillna(""))]
    colors = [_GANTT_STYLE[s][0] for s in state]
    milestone = (acts["nature"].fillna("") == "jalon") | (start == end)
    fig = go.Figure()
    bars = ~milestone & start.notna()
    if bars.any():
        width_ms = (end[bars] - start[bars]).dt.total_seconds() * 1000 + 86_400_000
        fig.add_trace(go.Bar(
            y=[labels[i] for i in acts.index[bars]], x=width_ms, base=start[bars],
            orientation="h", marker={"color": [colors[i] for i in acts.index[bars]],
                                     "pattern": {"shape": [_GANTT_STYLE[state[i]][1]
                                                           for i in acts.index[bars]]}},
            customdata=acts.loc[bars, ["pilote", "statut"]].fillna("—").astype(str),
            hovertemplate="%{y}<br>%{customdata[0]} — %{customdata[1]}<extra></extra>",
            name="actions", showlegend=False))
    marks = milestone & end.notna()
    if marks.any():
        fig.add_trace(go.Scatter(
            y=[labels[i] for i in acts.index[marks]], x=end[marks], mode="markers",
            marker={"symbol": [_GANTT_STYLE[state[i]][2] for i in acts.index[marks]],
                    "size": 14, "line": {"width": 2},
                    "color": [colors[i] for i in acts.index[marks]]},
            name="jalons", showlegend=False,
            hovertemplate="%{y}<br>jalon le %{x|%d/%m/%Y}<extra></extra>"))
    fig.add_vline(x=pd.Timestamp(date).timestamp() * 1000, line={"color": OTHERS, "dash": "dash"})
    fig.add_annotation(x=pd.Timestamp(date), y=1, yref="paper", text=f"comité du {fmt_date(date)}",
                       showarrow=False, yanchor="bottom", font={"color": "#666666"})
    title = (f"{len(late)} action(s) en retard au {fmt_date(date)} sur {len(acts)}"
             if late else f"Aucune action en retard au {fmt_date(date)}")
    fig.update_layout(
        title=title + "<br><sup>rouge hachuré : en retard ; vert pointillé : fait ; "
                      "losange : jalon</sup>",
        barmode="overlay", height=max(320, 44 * len(acts) + 160),  # deux à trois lignes
        xaxis={"type": "date", "tickformat": "%m/%Y"},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels,
               "tickfont": {"size": 12}})
    return add_source(fig, _SOURCE, date)


def plot_budget_by_source(roadmap: Roadmap, date: Any = None) -> go.Figure:
    """Barres groupées : montants planifiés, engagés et payés (€ HT) par source de
    financement (total exclu)."""
    table = budget_by_source(roadmap)
    table = table[table["source_financement"] != "Total"]
    fig = go.Figure()
    for (column, label), color, shape in zip((("montant_planifie", "planifié"),
                                              ("montant_engage", "engagé"),
                                              ("montant_paye", "payé")), PALETTE, ("", "/", ".")):
        fig.add_trace(go.Bar(x=table["source_financement"], y=table[column], name=label,
                             marker={"color": color, "pattern": {"shape": shape}},
                             text=[fmt_number(v, 0) for v in table[column]],
                             hovertemplate="%{x} : %{text} € HT " + label + "<extra></extra>"))
    total = table["montant_planifie"].sum()
    paid = table["montant_paye"].sum()
    fig.update_layout(
        title=f"{fmt_number(total, 0)} € HT planifiés, dont {fmt_number(paid, 0)} € payés",
        barmode="group", yaxis={"title": "€ HT"}, margin={"t": 100})
    return add_source(fig, _SOURCE, date or roadmap.date)


def plot_risk_matrix(roadmap: Roadmap, date: Any = None) -> go.Figure:
    """Matrice des risques non clos : probabilité (verticale) × impact (horizontal), nombre de
    risques par case, les cases les plus graves en rouge."""
    matrix = risk_matrix(roadmap)
    severity = [[p * i for i in matrix.columns] for p in matrix.index]
    fig = go.Figure(go.Heatmap(
        z=severity, x=[str(i) for i in matrix.columns], y=[str(p) for p in matrix.index],
        text=matrix.values, texttemplate="%{text}", showscale=False,
        colorscale=[[0, "#F6F6F6"], [0.5, "#FCC63A"], [1, ALERT_COLOR]],
        hovertemplate="probabilité %{y}, impact %{x} : %{text} risque(s)<extra></extra>"))
    serious = int(sum(matrix.loc[p, i] for p in matrix.index for i in matrix.columns
                      if p * i >= 9))
    fig.update_layout(title=f"{serious} risque(s) grave(s) (probabilité × impact ≥ 9)",
                      xaxis={"title": "Impact (1 à 4)"},
                      yaxis={"title": "Probabilité (1 à 4)"}, height=420)
    return add_source(fig, _SOURCE, date or roadmap.date)
