"""Charte de la donnée : principes pré-remplis avec les résultats du diagnostic (projet à
délibérer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kit._format import fmt_date, fmt_number
from kit.diagnostic import Diagnostic
from kit.documents import _facts as facts
from kit.documents._docx import Writer, clean
from kit.workspace import EXTERNAL_HOLDERS

#: Libellés des clés usuelles de ``equipe_donnees`` (les autres : soulignés remplacés).
_TEAM_LABELS = {"analyste": "Analyste", "dpo": "DPO", "dsi": "DSI",
                "administrateur_general_des_donnees": "Administrateur général des données",
                "administratrice_generale_des_donnees": "Administratrice générale des données",
                "elu_referent": "Élu référent", "elue_referente": "Élue référente"}


def _team(config: dict[str, Any]) -> list[str]:
    team = config.get("equipe_donnees") or {}
    if not isinstance(team, dict):
        return []
    return [f"{_TEAM_LABELS.get(str(k), str(k).replace('_', ' ').capitalize())} : {v}"
            for k, v in team.items() if v is not None]


def _register_status(diag: Diagnostic, personal: Any) -> list[str]:
    """Référence au registre de chaque jeu personnel, avec ce que le diagnostic en dit."""
    unknown = diag.checks[diag.checks["code"] == "rgpd-reference-inconnue"]
    bad = set(zip(unknown["fichier"], unknown["ligne"]))
    inv = diag.inventory
    bad_ids = set(inv.loc[[(f, ln) in bad for f, ln in zip(inv["fichier"], inv["ligne"])],
                          "identifiant"])
    out = []
    for ident, ref in zip(personal["identifiant"], personal["reference_registre"]):
        ref = clean(ref)
        if not ref:
            out.append("à inscrire au registre")
        elif ident in bad_ids:
            out.append(f"{ref} (absent du registre : à vérifier avec le DPO)")
        else:
            out.append(ref)
    return out


def _dpo(config: dict[str, Any]) -> str:
    team = config.get("equipe_donnees") or {}
    value = team.get("dpo") if isinstance(team, dict) else None
    return f"le délégué à la protection des données (DPO, {value})" if value else \
        "le délégué à la protection des données (DPO, à désigner)"


def write_charter(diag: Diagnostic, config: dict[str, Any], path: str | Path) -> Path:
    """Écrit la charte de la donnée de la collectivité (``charte_donnees.docx``).

    Parameters
    ----------
    diag
        Résultat de `kit.diagnostic.run_diagnostic` (inventaire, registre).
    config
        Configuration de la collectivité (``nom``, ``equipe_donnees``).
    path
        Fichier .docx à écrire.

    Returns
    -------
    Path
        Le fichier écrit.
    """
    name = str(config.get("nom") or diag.collectivite)
    inv = diag.inventory
    holders = facts.holder_counts(inv)
    personal = facts.personal_datasets(inv)
    ops = facts.operators(inv)
    external = int(inv["detenteur"].isin(EXTERNAL_HOLDERS).sum())
    w = Writer(f"Charte de la donnée — {name}",
               f"Statut : projet à délibérer. Préparée à partir du diagnostic du "
               f"{fmt_date(diag.date)}.")

    w.heading("1. Objet")
    w.paragraph(
        f"La présente charte fixe les principes selon lesquels {name} produit, utilise, "
        f"protège, partage et ouvre ses données. Elle s'applique à tous les services, aux élus "
        f"et aux organismes qui détiennent des données pour le compte de la collectivité "
        f"(délégataires, prestataires, partenaires). L'inventaire du diagnostic recense "
        f"{len(inv)} jeux de données déclarés par "
        f"{inv['service_producteur'].nunique()} services.")
    w.table(["Détenteur des données", "Jeux de données"],
            [(row["detenteur"], fmt_number(row["jeux"], 0)) for _, row in holders.iterrows()])

    w.heading("2. Principes")
    w.heading("2.1 Finalités", 2)
    w.paragraph(
        "Les données servent l'intérêt général : mieux rendre le service aux habitants, "
        "piloter et évaluer les politiques publiques, maîtriser les dépenses, accompagner la "
        "transition écologique et rendre compte aux citoyens. Toute nouvelle utilisation est "
        "rattachée à une finalité écrite ; aucune donnée n'est collectée « au cas où ».")
    w.heading("2.2 Données personnelles et DPO", 2)
    w.paragraph(
        f"Les traitements de données personnelles sont inscrits au registre des traitements et "
        f"suivis par {_dpo(config)}, consulté avant tout nouveau projet. Les données sont "
        f"minimisées, conservées pour une durée fixée et jamais publiées. L'inventaire en "
        f"déclare {len(personal)} :")
    w.table(["Identifiant", "Jeu de données", "Service", "Référence au registre"],
            [(r["identifiant"], r["titre"], r["service_producteur"], status)
             for (_, r), status in zip(personal.iterrows(), _register_status(diag, personal))])
    w.heading("2.3 Ouverture par défaut et ses exceptions", 2)
    w.paragraph(
        "Les données produites ou reçues dans le cadre des missions de service public sont "
        "publiées en open data par défaut, dans un format ouvert, sous Licence Ouverte 2.0 ou "
        "ODbL, et selon le socle commun des données locales quand il existe. Exceptions : "
        "données personnelles (sauf anonymisation), secrets protégés par la loi (secret des "
        "affaires, sécurité publique, sécurité des systèmes d'information), documents "
        "inachevés.")
    w.heading("2.4 Partage avec les partenaires et leurs obligations", 2)
    w.paragraph(
        f"{external} jeu(x) de données sont détenus hors des services (délégataires, "
        f"prestataires, partenaires), par {len(ops)} opérateur(s) nommé(s) dans l'inventaire : "
        f"{', '.join(ops) or 'aucun'}. Chaque contrat ou convention comporte une clause données "
        "(remise des données dans un format ouvert, fréquence, qualité, sécurité, réversibilité, "
        "licence) : voir les documents « Clauses données » préparés pour chacun.")
    w.heading("2.5 Sécurité", 2)
    w.paragraph(
        "Les accès sont nominatifs et limités au besoin des missions ; les données sensibles "
        "sont hébergées en France ou dans l'Union européenne, sauvegardées et chiffrées en "
        "transit ; tout incident est signalé au DPO et à la DSI sans délai.")
    w.heading("2.6 Réversibilité", 2)
    w.paragraph(
        "La collectivité peut à tout moment récupérer ses données, complètes et documentées, "
        "dans un format ouvert, notamment au terme d'un contrat ou au changement d'outil, sans "
        "surcoût ni perte.")
    w.heading("2.7 Gouvernance : qui décide", 2)
    w.paragraph("Équipe données déclarée dans la configuration :")
    w.bullets(_team(config) or ["(à compléter : équipe_donnees dans la configuration)"])
    w.bullets([
        "Le conseil adopte la charte et ses révisions par délibération.",
        ("Le comité de pilotage données (élu référent, direction générale, administrateur "
        "général des données, DSI, DPO) arbitre les priorités et suit les indicateurs."),
        ("L'administrateur général des données coordonne la démarche, s'appuie sur un relais "
        "dans chaque service et rend compte chaque année."),
        "Chaque service reste responsable de la qualité et de la mise à jour de ses données."])

    w.heading("3. Suivi")
    w.paragraph(
        "La charte est révisée après chaque campagne du diagnostic de maturité. Un bilan "
        "annuel présente les jeux publiés, les clauses ajoutées aux contrats et les traitements "
        "inscrits au registre.")
    return w.save(path)
