"""Graphiques du diagnostic (étape 1) : inventaire, fraîcheur, croisements, maturité,
comparaison entre collectivités, compétences. Chaque titre énonce le constat, calculé à partir
des données ; la source et la date sont indiquées sous le graphique.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kit._format import wrap_label
from kit.charts._base import (
    HIGHLIGHT,
    OTHERS,
    PALETTE,
    add_source,
    fmt_number,
    fmt_percent,
    mpl_style,
    short_axis,
    unavailable,
)
from kit.diagnostic import RGPD_CODES
from kit.workspace import EXTERNAL_HOLDERS

__all__ = [
    "plot_crossings",
    "plot_freshness",
    "plot_holdings",
    "plot_maturity_heatmap",
    "plot_peer_position",
    "plot_peers_heatmap",
    "plot_personal_data",
    "plot_progress",
    "plot_radar",
    "plot_radar_static",
    "plot_scorecard",
    "plot_skills",
]

_SOURCE = "inventaires des services"
_BLUES = [[0.0, "#F5F5FE"], [0.5, "#8585F6"], [1.0, "#000091"]]  # échelle séquentielle DSFR
_HOLDER_COLORS = {"Service": PALETTE[0], "Délégataire (DSP)": PALETTE[1],
                  "Prestataire": PALETTE[3], "Partenaire": PALETTE[2]}
# Lisibles imprimés en noir et blanc : chaque détenteur a aussi ses hachures (barres) et son
# symbole (points), chaque statut de fraîcheur ses hachures.
_HOLDER_PATTERNS = {"Service": "", "Délégataire (DSP)": "/", "Prestataire": ".",
                    "Partenaire": "x"}
_HOLDER_SYMBOLS = {"Service": "circle", "Délégataire (DSP)": "square", "Prestataire": "diamond",
                   "Partenaire": "triangle-up"}
_FRESHNESS_STYLE = {"à jour": (PALETTE[0], ""), "en retard": (PALETTE[1], "/"),
                    "date inconnue": (OTHERS, ".")}


def _with_subtitle(fig: go.Figure, title: str, subtitle: str | None) -> go.Figure:
    """Titre et sous-titre, avec une marge haute qui laisse la place à la légende."""
    if not subtitle:
        return fig.update_layout(title=title)
    return fig.update_layout(
        title={"text": f"{title}<br><sup>{subtitle}</sup>", "y": 0.98, "yanchor": "top",
               "yref": "container"}, margin={"t": 150})


def _heatmap(table: pd.DataFrame, zmin: float, zmax: float, text: pd.DataFrame,
             title: str, hover: str, colorbar: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(
        z=table.to_numpy(dtype=float, na_value=math.nan), x=[wrap_label(c) for c in table.columns],
        y=list(table.index), zmin=zmin, zmax=zmax, colorscale=_BLUES, text=text.to_numpy(),
        texttemplate="%{text}", hovertemplate=hover + "<extra></extra>", xgap=2, ygap=2,
        colorbar={"title": {"text": colorbar}}))
    fig.update_layout(title=title, xaxis={"side": "top", "tickangle": 0, "showgrid": False},
                      yaxis={"autorange": "reversed", "showgrid": False},
                      height=max(320, 140 + 36 * len(table)), margin={"t": 130})
    return fig


# --------------------------------------------------------------------------- inventaire
def plot_holdings(inventory: pd.DataFrame, date: Any = None) -> go.Figure:
    """Jeux de données par service, colorés selon le détenteur (barres empilées)."""
    counts = pd.crosstab(inventory["service_producteur"].fillna("(non indiqué)"),
                         inventory["detenteur"].fillna("(non indiqué)"))
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    outside = int(inventory["detenteur"].isin(EXTERNAL_HOLDERS).sum())
    fig = go.Figure([go.Bar(y=counts.index, x=counts[h], name=h, orientation="h",
                            marker={"color": _HOLDER_COLORS.get(h, OTHERS),
                                    "pattern": {"shape": _HOLDER_PATTERNS.get(h, "-")}},
                            hovertemplate="%{y} : %{x} jeu(x)<extra>" + h + "</extra>")
                     for h in counts.columns])
    fig.update_layout(barmode="stack", height=max(320, 120 + 34 * len(counts)),
                      title=f"{outside} jeux de données sur {len(inventory)} sont détenus hors "
                            "de la collectivité", xaxis_title="nombre de jeux de données")
    return add_source(fig, _SOURCE, date)


def plot_freshness(fresh: pd.DataFrame, date: Any = None) -> go.Figure:
    """Jeux à jour, en retard ou sans date, par service (sortie de `freshness`)."""
    order = list(_FRESHNESS_STYLE)
    counts = pd.crosstab(fresh["service_producteur"], fresh["statut"]).reindex(
        columns=order, fill_value=0)
    counts = counts.loc[counts["en retard"].sort_values(kind="stable").index]
    late = int((fresh["statut"] == "en retard").sum())
    fig = go.Figure([go.Bar(y=counts.index, x=counts[s], name=s, orientation="h",
                            marker={"color": _FRESHNESS_STYLE[s][0],
                                    "pattern": {"shape": _FRESHNESS_STYLE[s][1]}})
                     for s in order])
    fig.update_layout(barmode="stack", height=max(320, 120 + 34 * len(counts)),
                      title=f"{late} jeux de données sur {len(fresh)} ne sont plus à jour au "
                            "regard de leur fréquence annoncée",
                      xaxis_title="nombre de jeux de données")
    return add_source(fig, _SOURCE, date)


def plot_scorecard(card: pd.DataFrame, date: Any = None) -> go.Figure:
    """Carte de chaleur services × dimensions de qualité (sortie de `inventory_scorecard`)."""
    dims = ["Qualité auto-évaluée", "À jour", "Accessibles", "Documentés", "Ouverts"]
    table = card[dims]
    text = table.map(lambda v: fmt_percent(v))
    overall = table.loc["Ensemble"] if "Ensemble" in table.index else table.mean()
    weakest = overall.idxmin()
    title = (f"Point faible commun : « {weakest} » ({fmt_percent(overall[weakest])} pour "
             "l'ensemble des services)")
    fig = _heatmap(table, 0, 100, text, title, "%{y}<br>%{x} : %{text}", "%")
    return add_source(fig, _SOURCE + " ; qualité auto-évaluée de 1 à 4 ramenée sur 100", date)


def plot_personal_data(inventory: pd.DataFrame, checks: pd.DataFrame | None = None,
                       date: Any = None) -> go.Figure:
    """Part des jeux contenant des données personnelles, par service."""
    personal = inventory["donnees_personnelles"].fillna(False).astype(bool)
    share = (personal.groupby(inventory["service_producteur"]).mean() * 100).sort_values()
    n = int(personal.sum())
    missing = 0 if checks is None else int(checks["code"].isin(
        RGPD_CODES).sum())
    title = f"{n} jeux sur {len(inventory)} contiennent des données personnelles"
    if missing:
        title += f", dont {missing} sans traitement valide au registre"
    fig = go.Figure(go.Bar(x=share.to_numpy(), y=share.index, orientation="h",
                           marker_color=HIGHLIGHT, text=[fmt_percent(v) for v in share],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y} : %{text}<extra></extra>"))
    fig.update_layout(title=title, xaxis={"title": "% des jeux du service", "range": [0, 115],
                                          "ticksuffix": " %"},
                      height=max(320, 120 + 34 * len(share)), showlegend=False)
    return add_source(fig, _SOURCE + " et registre des traitements", date)


def plot_crossings(inventory: pd.DataFrame, edges: pd.DataFrame, date: Any = None
                   ) -> go.Figure:
    """Réseau des croisements déclarés : les jeux sur un cercle, regroupés par service."""
    inv = inventory.dropna(subset=["identifiant"]).drop_duplicates("identifiant")
    inv = inv.sort_values(["service_producteur", "identifiant"])
    nodes = list(inv["identifiant"])
    unknown = sorted(set(edges["source"]).union(edges["cible"]) - set(nodes))
    everything = nodes + unknown
    pos = {n: (math.cos(2 * math.pi * i / len(everything)),
               math.sin(2 * math.pi * i / len(everything))) for i, n in enumerate(everything)}
    xs, ys = [], []
    for a, b in zip(edges["source"], edges["cible"]):
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    degree = pd.concat([edges["source"], edges["cible"]]).value_counts()
    traces = [go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#BBBBBB", "width": 1.5},
                         hoverinfo="skip", showlegend=False)]
    for holder, group in inv.groupby("detenteur", sort=True):
        traces.append(go.Scatter(
            x=[pos[n][0] for n in group["identifiant"]],
            y=[pos[n][1] for n in group["identifiant"]], mode="markers+text", name=holder,
            text=list(group["identifiant"]), textposition="top center",
            textfont={"size": 10},
            marker={"size": [10 + 4 * degree.get(n, 0) for n in group["identifiant"]],
                    "color": _HOLDER_COLORS.get(holder, OTHERS),
                    "symbol": _HOLDER_SYMBOLS.get(holder, "hexagon")},
            customdata=group[["titre", "service_producteur"]].to_numpy(),
            hovertemplate="%{text} — %{customdata[0]}<br>%{customdata[1]}<extra></extra>"))
    if unknown:
        traces.append(go.Scatter(
            x=[pos[n][0] for n in unknown], y=[pos[n][1] for n in unknown],
            mode="markers+text", name="absent de l'inventaire", text=unknown,
            textposition="bottom center",
            marker={"size": 12, "color": "white", "line": {"color": PALETTE[1], "width": 2},
                    "symbol": "x-thin-open"}))
    isolated = len(set(nodes) - set(degree.index))
    title = (f"{len(edges)} croisements déclarés ; {isolated} jeux sur {len(nodes)} ne sont "
             "croisés avec aucun autre")
    subtitle = (f"{len(unknown)} identifiant(s) cité(s) absent(s) de l'inventaire : "
                + ", ".join(unknown)) if unknown else None
    fig = go.Figure(traces)
    axis = {"visible": False, "range": [-1.35, 1.35]}
    fig.update_layout(xaxis=axis, yaxis={**axis, "scaleanchor": "x"}, height=760,
                      plot_bgcolor="white")
    _with_subtitle(fig, title, subtitle)
    return add_source(fig, _SOURCE + " (colonne « Jeux croisés avec »)", date)


# --------------------------------------------------------------------------- maturité
def _axis_order(levels: pd.DataFrame) -> list[str]:
    return [a for a in dict.fromkeys(levels["axe"]) if a != "Ensemble"]


def plot_radar(levels: pd.DataFrame, date: Any = None) -> go.Figure:
    """Radar des scores par axe pour chaque campagne (sortie de `maturity_levels`)."""
    axes = _axis_order(levels)
    camps = sorted(levels["campagne"].unique())
    fig = go.Figure()
    for i, camp in enumerate(camps):
        part = levels[levels["campagne"] == camp].set_index("axe").reindex(axes)
        last = i == len(camps) - 1
        values = list(part["score"]) + [part["score"].iloc[0]]
        labels = [short_axis(a) for a in axes] + [short_axis(axes[0])]
        fig.add_trace(go.Scatterpolar(
            r=values, theta=labels, name=f"campagne {camp}",
            line={"color": HIGHLIGHT if last else OTHERS, "width": 3 if last else 2,
                  "dash": "solid" if last else "dot"},
            fill="toself" if last else None, fillcolor="rgba(0,0,145,0.10)",
            hovertemplate="%{theta} : %{r:.1f} sur 5<extra>" + str(camp) + "</extra>"))
    latest = levels[(levels["campagne"] == camps[-1]) & (levels["axe"] == "Ensemble")].iloc[0]
    title = (f"Maturité données : niveau « {latest['niveau']} » "
             f"({fmt_number(latest['score'], 2)} sur 5) en {camps[-1]}")
    subtitle = None
    if len(camps) > 1:
        a = levels[levels["campagne"] == camps[-2]].set_index("axe")["score"]
        b = levels[levels["campagne"] == camps[-1]].set_index("axe")["score"]
        gain = (b - a).drop("Ensemble", errors="ignore")
        subtitle = (f"Progrès le plus net depuis {camps[-2]} : {short_axis(gain.idxmax())} "
                    f"({'+' if gain.max() >= 0 else ''}{fmt_number(gain.max(), 2)})")
    _with_subtitle(fig, title, subtitle)
    fig.update_layout(height=600, polar={
        "radialaxis": {"range": [0, 5], "tickvals": [1, 2, 3, 4, 5], "angle": 90,
                       "gridcolor": "#DDDDDD"},
        "angularaxis": {"gridcolor": "#DDDDDD", "direction": "clockwise"}})
    return add_source(fig, "questionnaires de maturité des services", date)


def plot_radar_static(levels: pd.DataFrame, date: Any = None) -> Any:
    """Version matplotlib du radar, pour les diapositives (``kit.charts.save``)."""
    import matplotlib.pyplot as plt

    axes = _axis_order(levels)
    camps = sorted(levels["campagne"].unique())
    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))] + [0.0]
    with mpl_style():
        fig = plt.figure(figsize=(7, 7))
        ax = fig.add_subplot(polar=True)
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        for i, camp in enumerate(camps):
            part = levels[levels["campagne"] == camp].set_index("axe").reindex(axes)["score"]
            values = list(part) + [part.iloc[0]]
            last = i == len(camps) - 1
            ax.plot(angles, values, color=HIGHLIGHT if last else OTHERS,
                    linestyle="-" if last else ":", linewidth=2.5 if last else 1.8,
                    label=f"campagne {camp}")
            if last:
                ax.fill(angles, values, color=HIGHLIGHT, alpha=0.1)
        ax.set_xticks(angles[:-1], [short_axis(a) for a in axes])
        ax.set_ylim(0, 5)
        ax.set_yticks([1, 2, 3, 4, 5])
        ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.1), frameon=False)
        latest = levels[(levels["campagne"] == camps[-1]) & (levels["axe"] == "Ensemble")]
        ax.set_title(f"Maturité données : {fmt_number(latest['score'].iloc[0])} sur 5 en "
                     f"{camps[-1]}", pad=30)
        add_source(fig, "questionnaires de maturité des services", date)
    return fig


def plot_maturity_heatmap(scores: pd.DataFrame, campagne: str | None = None,
                          date: Any = None) -> go.Figure:
    """Carte de chaleur services × axes (score de 1 à 5) pour une campagne."""
    campagne = campagne or sorted(scores["campagne"].unique())[-1]
    camp = scores[scores["campagne"] == campagne]
    axes = list(dict.fromkeys(camp["axe"]))
    table = camp.pivot_table(index="service", columns="axe", values="score").reindex(
        columns=axes)
    table = table.loc[table.mean(axis=1).sort_values(ascending=False).index]
    weakest = table.mean().idxmin()
    best = table.index[0]
    table.columns = [short_axis(a) for a in axes]
    text = table.map(lambda v: fmt_number(v))
    title = (f"{best} en tête ; « {short_axis(weakest)} » est l'axe le plus faible "
             f"(campagne {campagne})")
    fig = _heatmap(table, 1, 5, text, title, "%{y}<br>%{x} : %{text} sur 5", "sur 5")
    return add_source(fig, "questionnaires de maturité des services", date)


def plot_progress(progress: pd.DataFrame, date: Any = None) -> go.Figure:
    """Haltères : score de chaque axe avant et après (sortie de `maturity_progress`)."""
    missing = unavailable(progress, "L'évolution de la maturité apparaîtra après la deuxième "
                                    "campagne du questionnaire.")
    if missing:
        return missing
    data = progress.sort_values("score_apres")
    labels = [short_axis(a) for a in data["axe"]]
    before, after = progress.attrs.get("avant", "avant"), progress.attrs.get("apres", "après")
    xs, ys = [], []
    for label, a, b in zip(labels, data["score_avant"], data["score_apres"]):
        xs += [a, b, None]
        ys += [label, label, None]
    up = int((progress["evolution"] > 0).sum())
    fig = go.Figure([
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#BBBBBB", "width": 4},
                   hoverinfo="skip", showlegend=False),
        go.Scatter(x=data["score_avant"], y=labels, mode="markers", name=f"campagne {before}",
                   marker={"color": OTHERS, "size": 12, "symbol": "circle-open",
                           "line": {"width": 3}}),
        go.Scatter(x=data["score_apres"], y=labels, mode="markers", name=f"campagne {after}",
                   marker={"color": HIGHLIGHT, "size": 14})])
    fig.update_layout(title=f"Progrès sur {up} axes sur {len(progress)} entre {before} et "
                            f"{after}", xaxis={"range": [1, 5], "title": "score sur 5"},
                      height=max(320, 120 + 40 * len(progress)))
    services = len(progress.attrs.get("services", []))
    return add_source(fig, "questionnaires de maturité des services (" + str(services)
                      + " services présents aux deux campagnes)", date)


def plot_peers_heatmap(matrix: pd.DataFrame, date: Any = None) -> go.Figure:
    """Collectivités × axes ; la collectivité est en première ligne et en gras."""
    missing = unavailable(matrix, "Pas encore de résultats de collectivités pairs à comparer "
                                  "(clé « diagnostic.pairs » de la configuration).")
    if missing:
        return missing
    name = matrix.attrs.get("collectivite", matrix.index[0])
    table = matrix.copy()
    rank = int((table["Ensemble"] > table.loc[name, "Ensemble"]).sum()) + 1
    table.columns = [short_axis(c) for c in table.columns]
    strates = matrix.attrs.get("strates", {})
    own = strates.get(name)
    table.index = [f"<b>{i}</b>" if i == name else
                   i if strates.get(i) == own else f"{i} (autre strate)" for i in table.index]
    text = table.map(lambda v: fmt_number(v))
    title = (f"{name} se place au {rank}{'er' if rank == 1 else 'e'} rang sur {len(matrix)} "
             "collectivités comparées")
    fig = _heatmap(table, 1, 5, text, title, "%{y}<br>%{x} : %{text} sur 5", "sur 5")
    return add_source(fig, "résultats de maturité ouverts partagés par les collectivités "
                      "(pairs fictifs)", date)


def plot_peer_position(matrix: pd.DataFrame, date: Any = None) -> go.Figure:
    """Position de la collectivité sur chaque axe parmi les pairs (points gris)."""
    missing = unavailable(matrix, "Pas encore de résultats de collectivités pairs à comparer.")
    if missing:
        return missing
    name = matrix.attrs.get("collectivite", matrix.index[0])
    axes = list(matrix.columns)
    peers = matrix.drop(index=name)
    labels = [short_axis(a) for a in axes]
    fig = go.Figure()
    for axe, label in zip(axes, labels):
        fig.add_trace(go.Scatter(x=peers[axe], y=[label] * len(peers), mode="markers",
                                 marker={"color": OTHERS, "size": 10, "opacity": 0.7},
                                 text=list(peers.index), showlegend=axe == axes[0],
                                 name="pairs", hovertemplate="%{text} : %{x:.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=matrix.loc[name, axes], y=labels, mode="markers", name=name,
                             marker={"color": HIGHLIGHT, "size": 16, "symbol": "diamond"}))
    median = peers.median()
    below = [short_axis(a) for a in axes if matrix.loc[name, a] < median[a]]
    title = (f"{name} est sous la médiane des pairs sur {len(below)} axe(s) sur {len(axes)}")
    fig.update_layout(title=title, xaxis={"range": [1, 5], "title": "score sur 5"},
                      yaxis={"autorange": "reversed"}, height=max(360, 120 + 40 * len(axes)))
    return add_source(fig, "résultats de maturité ouverts (pairs fictifs)", date)


def plot_skills(skills: pd.DataFrame, date: Any = None) -> go.Figure:
    """Carte de chaleur services × compétences (niveau moyen de 1 à 4, sans nom)."""
    missing = unavailable(skills, "La cartographie des compétences n'a pas encore été reçue "
                                  "(clé « diagnostic.competences » de la configuration).")
    if missing:
        return missing
    names = {"tableur": "Tableur", "analyse_de_donnees": "Analyse de données", "sig": "SIG",
             "protection_des_donnees_rgpd": "RGPD", "programmation_python_r": "Programmation",
             "visualisation": "Visualisation"}
    table = skills.rename(columns=names)
    sizes = skills.attrs.get("effectifs", {})
    table.index = [f"{i} ({sizes[i]})" if i in sizes else i for i in table.index]
    rarest = table.mean().idxmin()
    text = table.map(lambda v: fmt_number(v))
    title = (f"Compétence la plus rare : {rarest} (niveau moyen "
             f"{fmt_number(table[rarest].mean())} sur 4)")
    fig = _heatmap(table, 1, 4, text, title, "%{y}<br>%{x} : %{text} sur 4", "sur 4")
    hidden = skills.attrs.get("masques", 0)
    note = f" ; {hidden} agent(s) non affiché(s) (effectif trop petit)" if hidden else ""
    return add_source(fig, "auto-évaluation des agents, niveaux moyens par service (effectif "
                      "entre parenthèses)" + note, date)
