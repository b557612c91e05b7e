"""Plan d'acculturation et de lancement : ateliers (élus, agents, société civile), qui doit y
venir, exemples tirés du cas d'usage choisi et du diagnostic, ordre du jour de deux séances."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kit._format import fmt_number, short_axis
from kit.diagnostic import RGPD_CODES, Diagnostic
from kit.documents import _facts as facts
from kit.documents._docx import Writer
from kit.priorisation import Prioritization
from kit.workspace import DSP_HOLDER

#: Statuts d'un rôle qui comptent comme « présent » dans le groupe de travail.
PRESENT = ("engagé", "à confirmer")


def civil_society(prio: Prioritization | None) -> bool:
    """Le cas d'usage choisi associe-t-il la société civile (rôle inscrit au groupe) ?"""
    if prio is None or prio.choice is None:
        return False
    rows = prio.group[(prio.group["code"] == prio.choice)
                      & (prio.group["role"] == "Société civile")]
    return bool(rows["statut"].isin(PRESENT).any())


def _chosen(prio: Prioritization | None) -> pd.Series | None:
    if prio is None or prio.choice is None:
        return None
    return prio.cases[prio.cases["code"] == prio.choice].iloc[0]


def _findings(diag: Diagnostic) -> list[str]:
    checks = diag.checks
    out = []
    weak = diag.strengths[diag.strengths["constat"] == "point faible"]
    if len(weak):
        out.append("Axes les plus faibles : " + ", ".join(
            f"« {short_axis(a)} » ({fmt_number(s, 2)} sur 5)"
            for a, s in zip(weak["axe"], weak["score"])) + ".")
    inv = diag.inventory
    clause = inv["clauses_donnees_dsp"].fillna("")
    unclear = inv[(inv["detenteur"] == DSP_HOLDER) & (clause != "oui")]
    if len(unclear):
        out.append(f"{len(unclear)} jeu(x) confiés à un délégataire sans clause données "
                   f"claire : {', '.join(unclear['identifiant'].astype(str))}.")
    rgpd = int(checks["code"].isin(RGPD_CODES).sum())
    if rgpd:
        out.append(f"{rgpd} jeu(x) de données personnelles sans traitement valide au registre.")
    late = int((diag.fresh["statut"] == "en retard").sum())
    out.append(f"{late} jeu(x) sur {len(diag.fresh)} ne sont plus à jour.")
    if diag.profiles is not None and diag.profiles["ecart_elus_agents"].notna().any():
        gap = diag.profiles.loc["Ensemble", "ecart_elus_agents"]
        axes = diag.profiles.drop(index="Ensemble")["ecart_elus_agents"].dropna()
        if pd.notna(gap) and len(axes):
            widest = axes.abs().idxmax()
            out.append(f"Regards croisés : les élus jugent la maturité "
                       f"{'plus' if gap > 0 else 'moins'} élevée que les agents "
                       f"({fmt_number(abs(gap), 2)} point d'écart en moyenne), surtout sur "
                       f"« {short_axis(widest)} » ({fmt_number(axes[widest], 2, signed=True)}).")
    for _, row in diag.actions.head(3).iterrows():
        out.append(f"Question {row['code']} (« {short_axis(row['axe'])} », "
                   f"{fmt_number(row['score'], 2)} sur 5) : {row['action']}")
    if "commentaires" in diag.actions.columns:
        notes = diag.actions[diag.actions["commentaires"].fillna("") != ""]
        for _, row in notes.iterrows():
            out.append(f"Ce que disent les services sur {row['code']} : {row['commentaires']}")
    return out


def write_workshops(diag: Diagnostic, prio: Prioritization | None, config: dict[str, Any],
                    path: str | Path, datasets: list[str] | None = None) -> Path:
    """Écrit le plan d'acculturation et de lancement (``plan_acculturation.docx``).

    Parameters
    ----------
    diag, prio
        Résultats des étapes 1 et 2 (`run_diagnostic`, `run_prioritization`) ; sans
        priorisation, le plan ne cite pas de cas d'usage.
    config
        Configuration de la collectivité (``nom``).
    path
        Fichier .docx à écrire.
    datasets
        Identifiants des jeux cités par le cas d'usage choisi.
    """
    name = str(config.get("nom") or diag.collectivite)
    case = _chosen(prio)
    low = facts.lowest_services(diag)
    civil = civil_society(prio)
    w = Writer(f"Plan d'acculturation et de lancement — {name}",
               "Ateliers de sensibilisation puis deux séances de lancement.")

    w.heading("1. Publics et ateliers")
    ateliers = [
        ("Atelier « élus » (2 heures) : pourquoi une politique de la donnée, ce que le "
        "diagnostic montre, les décisions attendues des élus (charte, moyens, cas d'usage)."),
        ("Atelier « agents » (une demi-journée, par groupes de services) : les données de "
        "chaque service, qualité et mise à jour, protection des données, premiers usages."),
    ]
    if civil:
        ateliers.append(
            "Atelier « société civile » (2 heures, en soirée) : le cas d'usage choisi associe "
            "la société civile ; présenter les données en jeu, recueillir les attentes et les "
            "usages, inviter à suivre le projet.")
    else:
        ateliers.append(
            "Pas d'atelier « société civile » à ce stade : le groupe de travail du cas d'usage "
            "choisi n'associe pas la société civile (à reconsidérer).")
    w.bullets(ateliers)

    w.heading("2. Qui doit venir")
    if case is not None:
        group = prio.group[prio.group["code"] == prio.choice]
        w.paragraph(f"Le groupe de travail du cas d'usage {case['code']} :")
        w.table(["Rôle", "Statut", "Fonction", "Structure"],
                [(r["role"], r["statut"], r["fonction"], r["structure"])
                 for _, r in group.iterrows() if r["statut"] != "non requis"])
        missing = group[group["statut"] == "manquant"]["role"].tolist()
        if missing:
            w.paragraph("Rôles à pourvoir avant le lancement : " + ", ".join(missing) + ".")
    w.paragraph(f"Les services dont la maturité est la plus faible (campagne "
                f"{low.attrs.get('campagne', '')}), prioritaires pour l'atelier « agents » :"
                if "campagne" in low.attrs else
                "Les services dont la maturité est la plus faible, prioritaires pour "
                "l'atelier « agents » :")
    w.table(["Service", "Score moyen (sur 5)"],
            [(r["service"], fmt_number(r["score"], 2)) for _, r in low.iterrows()])
    silent = facts.unanswered_services(config, diag)
    if silent:
        w.paragraph("Services sans réponse au questionnaire de maturité, à inviter aussi : "
                    + ", ".join(silent) + ".")

    w.heading("3. Exemples à utiliser")
    if case is not None:
        w.paragraph(f"Cas d'usage choisi : {case['code']} — {case['titre']} (service porteur : "
                    f"{case['service_porteur']} ; {case['quadrant']}).")
        if datasets:
            titles = diag.inventory.drop_duplicates("identifiant").set_index("identifiant")
            w.bullets(f"{i} : {titles.loc[i, 'titre']}" if i in titles.index else i
                      for i in datasets)
    w.paragraph("Constats du diagnostic :")
    w.bullets(_findings(diag))

    w.heading("4. Séance de lancement n° 1 — diagnostic partagé et objectifs")
    w.numbered([
        "Accueil par l'élu référent : pourquoi la collectivité se lance (10 min).",
        "Diagnostic partagé : inventaire, maturité par axe, points faibles (30 min).",
        "Objectifs et impacts attendus du cas d'usage"
        + (f" « {case['titre']} »" if case is not None else "") + " (20 min).",
        ("Rôles : élu référent, administrateur général des données, relais des services, DPO, "
        "DSI, société civile (20 min)."),
        "Questions et prochaines étapes (10 min)."])
    w.heading("5. Séance de lancement n° 2 — plan de déploiement")
    w.numbered([
        "Rappel des décisions de la séance n° 1 (10 min).",
        ("Plan de déploiement : jalons, données à obtenir, clauses des contrats à négocier "
        "(40 min)."),
        "Formations et relais : qui forme qui, calendrier (20 min).",
        "Indicateurs de suivi et date du premier comité (20 min).",
        "Validation du plan et communication (10 min)."])
    return w.save(path)
