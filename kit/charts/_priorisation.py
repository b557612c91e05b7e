"""Graphiques de la priorisation (étape 2) : matrice impact / complexité, ce qui rend chaque cas
d'usage difficile, composition des groupes de travail. Chaque titre énonce le constat ; la
source est indiquée sous le graphique.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kit._format import label_column
from kit.charts._base import (
    HIGHLIGHT,
    OTHERS,
    add_source,
    fmt_number,
    mpl_style,
    style_table,
)
from kit.charts._diagnostic import _heatmap

__all__ = ["group_table", "plot_complexity_breakdown", "plot_priority_matrix",
           "plot_priority_matrix_static"]

_SOURCE = "cas d'usage notés par le groupe projet ; complexités complétées par l'inventaire"
_QUADRANT_LABELS = [(1.05, 4.95, "Gains rapides", "left", "top"),
                    (4.95, 4.95, "Projets structurants", "right", "top"),
                    (1.05, 1.05, "Petits pas", "left", "bottom"),
                    (4.95, 1.05, "À reporter", "right", "bottom")]


def plot_priority_matrix(prio: Any, date: Any = None) -> go.Figure:
    """Matrice impact (vertical) × complexité (horizontal), quadrants au seuil de 3 sur 5.

    Le cas d'usage recommandé est un losange bleu, les autres des ronds gris ; un cas bloqué par
    l'accès aux données est marqué d'une croix. Quand le coût estimé est renseigné (colonne facultative
    ``cout_estime``), la surface de chaque bulle lui est proportionnelle.
    """
    scores = prio.cases.dropna(subset=["impact", "complexite"])
    sizes = _bubble_sizes(scores)
    fig = go.Figure()
    for (x, y, text, xanchor, yanchor) in _QUADRANT_LABELS:
        fig.add_annotation(x=x, y=y, text=f"<i>{text}</i>", showarrow=False, xanchor=xanchor,
                           yanchor=yanchor, font={"color": "#666666", "size": 12})
    fig.add_shape(type="line", x0=3, x1=3, y0=1, y1=5, line={"dash": "dot", "color": OTHERS})
    fig.add_shape(type="line", x0=1, x1=5, y0=3, y1=3, line={"dash": "dot", "color": OTHERS})
    for chosen, group in scores.groupby(scores["code"] == prio.choice, sort=False):
        symbol = ["x" if b else "diamond" if chosen else "circle" for b in group["bloquant"]]
        fig.add_trace(go.Scatter(
            x=group["complexite"], y=group["impact"], mode="markers+text",
            text=group["code"], textposition="top center",
            marker={"size": sizes[group.index] if sizes is not None else (16 if chosen else 12),
                    "color": HIGHLIGHT if chosen else OTHERS,
                    "symbol": symbol, "line": {"width": 1, "color": "white"}},
            customdata=group[["titre", "quadrant", "rang"]].astype(str).assign(
                cout=[f"{fmt_number(v, 0)} € HT" if pd.notna(v) else "coût non estimé"
                      for v in group.get("cout_estime", pd.Series(float("nan"),
                                                                   index=group.index))]),
            name="recommandé" if chosen else "autres cas d'usage",
            hovertemplate="%{text} — %{customdata[0]}<br>impact %{y:.1f} ; complexité %{x:.1f}"
                          "<br>%{customdata[1]}, rang %{customdata[2]}<br>%{customdata[3]}"
                          "<extra></extra>"))
    title, subtitle = _matrix_title(prio, scores)
    if sizes is not None:
        subtitle = " ; ".join(filter(None, [subtitle, "surface des bulles : coût estimé"]))
    if subtitle:
        title += f"<br><sup>{subtitle}</sup>"
    fig.update_layout(
        title=title, height=520,
        xaxis={"title": "Complexité (1 = simple, 5 = très difficile)", "range": [0.8, 5.2],
               "dtick": 1},
        yaxis={"title": "Impact attendu (1 = faible, 5 = fort)", "range": [0.8, 5.2], "dtick": 1},
        # légende en haut (celle du thème) : en bas, elle couvrait le titre de l'axe
        margin={"t": 140 if subtitle else 100})
    return add_source(fig, _SOURCE, date)


def _bubble_sizes(scores: pd.DataFrame) -> pd.Series | None:
    """Diamètre des bulles (10 à 40 px, surface proportionnelle au coût estimé), ou None si
    aucun coût n'est renseigné ; un cas sans coût garde la plus petite taille."""
    if "cout_estime" not in scores.columns or scores["cout_estime"].isna().all():
        return None
    cost = pd.to_numeric(scores["cout_estime"], errors="coerce")
    top = float(cost.max()) or 1.0
    return (10 + 30 * (cost.clip(lower=0) / top) ** 0.5).fillna(10.0)


def _matrix_title(prio: Any, scores: pd.DataFrame) -> tuple[str, str]:
    """Titre (le constat) et sous-titre de la matrice impact / complexité."""
    if prio.choice is not None and prio.choice in set(scores["code"]):
        best = scores.set_index("code").loc[prio.choice]
        title = (f"« {best['titre']} » offre le meilleur rapport impact / complexité "
                 f"({fmt_number(best['impact'])} contre {fmt_number(best['complexite'])})")
    else:
        title = "Aucun cas d'usage ne peut être recommandé en l'état"
    blocked = int(scores["bloquant"].sum())
    return title, (f"✕ : {blocked} cas bloqué(s) par l'accès aux données" if blocked else "")


def plot_priority_matrix_static(prio: Any, date: Any = None) -> Any:
    """Version matplotlib de la matrice impact / complexité, pour les diapositives
    (``kit.charts.save`` l'écrit en PNG et SVG sans navigateur)."""
    import matplotlib.pyplot as plt

    scores = prio.cases.dropna(subset=["impact", "complexite"])
    title, subtitle = _matrix_title(prio, scores)
    with mpl_style():
        fig, ax = plt.subplots(figsize=(9, 6.5))
        ax.axvline(3, color=OTHERS, linestyle=":", linewidth=1)
        ax.axhline(3, color=OTHERS, linestyle=":", linewidth=1)
        for x, y, text, ha, va in _QUADRANT_LABELS:
            ax.text(x, y, text, ha=ha, va=va, style="italic", color="#666666", fontsize=10)
        for row in scores.itertuples():
            chosen = row.code == prio.choice
            ax.scatter(row.complexite, row.impact, s=160 if chosen else 90,
                       marker="X" if row.bloquant else "o",
                       color=HIGHLIGHT if chosen else OTHERS, zorder=3)
            ax.annotate(row.code, (row.complexite, row.impact), textcoords="offset points",
                        xytext=(0, 9), ha="center", fontsize=10)
        ax.set_xlim(0.8, 5.2)
        ax.set_ylim(0.8, 5.2)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_yticks([1, 2, 3, 4, 5])
        ax.set_xlabel("Complexité (1 = simple, 5 = très difficile)")
        ax.set_ylabel("Impact attendu (1 = faible, 5 = fort)")
        ax.set_title(textwrap.fill(title, 75) + (f"\n{subtitle}" if subtitle else ""),
                     fontsize=11)
        add_source(fig, _SOURCE, date)
    return fig


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def plot_complexity_breakdown(prio: Any, date: Any = None) -> go.Figure:
    """Carte de chaleur cas d'usage × critères de complexité : ce qui rend chaque cas difficile.

    Une note calculée à partir de l'inventaire est suivie d'un astérisque.
    """
    data = prio.criteria[prio.criteria["famille"] == "complexité"]
    order = list(prio.cases["code"])
    table = data.pivot(index="code", columns="libelle", values="note").reindex(order)
    labels = list(dict.fromkeys(data["libelle"]))
    table = table[labels]
    origin = data.pivot(index="code", columns="libelle", values="origine").reindex(order)[labels]
    text = pd.DataFrame(
        [[("—" if pd.isna(v) else f"{v:.0f}" + ("*" if o == "inventaire" else ""))
          for v, o in zip(table.loc[c], origin.loc[c])] for c in table.index],
        index=table.index, columns=table.columns)
    worst = data.groupby("libelle")["note"].mean().reindex(labels)
    hardest = worst.idxmax() if worst.notna().any() else None
    title = (f"Ce qui complique le plus les cas d'usage : « {hardest} » "
             f"({fmt_number(worst[hardest])} sur 5 en moyenne)" if hardest else
             "Aucune note de complexité")
    titles = prio.cases.set_index("code")["titre"]
    table.index = [f"{c} {_short(str(titles.get(c, '')))}" for c in table.index]
    text.index = table.index
    fig = _heatmap(table, 1, 5, text, title, "%{y}<br>%{x} : %{text} sur 5", "note")
    return add_source(fig, "notes de complexité ; * : calculée à partir de l'inventaire", date)


# Statut écrit (symbole et mot) et sa couleur de texte : couleurs « système » du DSFR (succès,
# avertissement, erreur) et gris, toutes à 4,5:1 au moins sur blanc comme tout texte.
_STATUS_STYLE = {"engagé": ("✓ engagé", "#18753C"), "à confirmer": ("? à confirmer", "#B34000"),
                 "manquant": ("✗ manquant", "#CE0500"), "non requis": ("non requis", "#666666")}


def group_table(prio: Any) -> Any:
    """Tableau cas d'usage × rôles du groupe de travail (engagé, à confirmer, manquant)."""
    if prio.group.empty:
        return pd.DataFrame({"message": ["Aucun groupe de travail fourni."]}).style.hide(
            axis="index")
    table = prio.group.pivot(index="code", columns="role", values="statut")
    table = table.reindex(index=list(prio.cases["code"]),
                          columns=[r for r in prio.group["role"].unique()])
    titles = prio.cases.set_index("code")["titre"]
    table.insert(0, "cas d'usage", [f"{c} — {titles[c]}" for c in table.index])

    def color(value: Any) -> str:
        style = _STATUS_STYLE.get(value)
        return f"color: {style[1]}; font-weight: bold" if style else ""

    table.columns = [label_column(c) for c in table.columns]  # en-têtes tels qu'affichés
    roles = [c for c in table.columns if c != label_column("cas d'usage")]
    return (style_table(table)
            .format({r: lambda v: _STATUS_STYLE.get(v, (v, ""))[0] for r in roles}, na_rep="—",
                    escape="html")
            .map(color, subset=roles))
