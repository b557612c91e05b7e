"""Feuille de route d'exemple de Clairval pour son projet retenu (CU-01, tournées de collecte) :
16 actions et jalons sur 18 mois, un budget à trois sources de financement, cinq risques, et des
pièges posés exprès (dépendances en boucle, actions en retard au comité du 15 janvier 2026,
poste sans financement, dossier de subvention à déposer dans moins de 60 jours)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

__all__ = ["ROADMAP_FILE", "build_roadmap"]

ROADMAP_FILE = "feuille_de_route/feuille_de_route.xlsx"
#: date du comité qui relit la feuille de route, et du suivant
COMMITTEE_DATE, NEXT_COMMITTEE = "2026-01-15", "2026-02-16"

_ACTION_KEYS = ["identifiant", "titre", "nature", "cas_usage", "etape", "pilote", "debut",
                "echeance", "fin_reelle", "statut", "depend_de", "livrable", "decision_comite"]
_D = dt.date.fromisoformat
# pilotes : des fonctions, jamais des noms (sauf le piège d'A-07)
PERSONAL_PILOT = "Théophile Ferrandiou, theophile.ferrandiou@exemple.fr, 06 12 34 56 78"
ACTIONS = [
    ("A-01", "Lancer le projet en comité de pilotage", "jalon", "CU-01", "5. Comité",
     "directeur général des services", "2025-10-15", "2025-10-15", "2025-10-15", "fait", None,
     "relevé de décisions", None),
    ("A-02", "Constituer le groupe de travail", "action", "CU-01", "2. Priorisation",
     "chef de projet données", "2025-10-15", "2025-11-30", "2025-11-28", "fait", "A-01",
     "liste des membres et accords", None),
    ("A-03", "Inscrire le traitement des formations au registre", "action", None,
     "1. Diagnostic", "délégué à la protection des données", "2025-11-17", "2025-12-31",
     "2025-12-19", "fait", None, "fiche du registre", "D251117-01"),
    # piège : en cours, échéance dépassée au comité du 15 janvier 2026
    ("A-04", "Inventorier les données de collecte (tournées, bacs)", "action", "CU-01",
     "1. Diagnostic", "responsable de la régie de collecte", "2025-11-01", "2025-12-31", None,
     "en cours", "A-02", "inventaire de la régie", None),
    ("A-05", "Signer la convention d'échange de données avec le syndicat de traitement",
     "action", "CU-01", "Mise en œuvre", "direction des affaires juridiques", "2025-12-01",
     "2026-03-31", None, "en cours", "A-02", "convention signée", None),
    ("A-06", "Déposer le dossier de subvention DSIL", "jalon", "CU-01", "Mise en œuvre",
     "direction des finances", "2026-02-13", "2026-02-13", None, "à lancer", "A-02",
     "dossier déposé", None),
    # piège : une personne (nom, e-mail, téléphone) au lieu d'une fonction ; les rapports, le
    # relevé du comité et les exports doivent la masquer
    ("A-07", "Choisir les capteurs de remplissage (marché public)", "action", "CU-01",
     "Mise en œuvre", PERSONAL_PILOT, "2026-03-01", "2026-06-30", None,
     "à lancer", "A-06", "marché notifié", None),
    ("A-08", "Poser les capteurs sur 300 bacs", "action", "CU-01", "Mise en œuvre",
     "responsable de la régie de collecte", "2026-07-01", "2026-10-31", None, "à lancer",
     "A-07", "capteurs en service", None),
    # piège : A-09 et A-10 dépendent l'une de l'autre
    ("A-09", "Construire le tableau de bord des tournées", "action", "CU-01", "3. Indicateurs",
     "chef de projet données", "2026-05-01", "2026-09-30", None, "à lancer", "A-04 ; A-10",
     "tableau de bord", None),
    ("A-10", "Définir les indicateurs de remplissage et de kilomètres", "action", "CU-01",
     "3. Indicateurs", "chef de projet données", "2026-04-01", "2026-05-31", None, "à lancer",
     "A-09", "fiches indicateurs", None),
    ("A-11", "Former les agents de collecte au tableau de bord", "action", "CU-01",
     "Mise en œuvre", "responsable de la formation", "2026-10-01", "2026-11-30", None,
     "à lancer", "A-09", "agents formés", None),
    ("A-12", "Expérimenter les nouvelles tournées dans le quartier Nord", "action", "CU-01",
     "Mise en œuvre", "responsable de la régie de collecte", "2026-11-01", "2027-01-31", None,
     "à lancer", "A-08 ; A-11", "bilan de l'expérimentation", None),
    ("A-13", "Comparer tonnages et kilomètres avec les communes de l'agglomération", "action",
     "CU-01", "4. Comparaison", "chef de projet données", "2027-01-01", "2027-02-28", None,
     "à lancer", "A-12", "note de comparaison", None),
    ("A-14", "Obtenir une clause données dans l'avenant de la délégation de l'eau", "action",
     None, "1. Diagnostic", "responsable du contrat de délégation", "2025-12-01", "2026-06-30",
     None, "en cours", None, "avenant signé", "D251117-03"),
    # piège : plan d'action demandé au comité de décembre, en retard au 15 janvier
    ("A-15", "Plan d'action pour le taux de refus de tri (DEC-04)", "action", None,
     "3. Indicateurs", "direction de la propreté", "2025-12-15", "2026-01-10", None,
     "en cours", None, "plan d'action", "D251215-01"),
    ("A-16", "Décider la généralisation des nouvelles tournées", "jalon", "CU-01", "5. Comité",
     "directeur général des services", "2027-03-31", "2027-03-31", None, "à lancer", "A-13",
     "délibération", None),
]

_BUDGET_KEYS = ["poste", "cas_usage", "section", "montant_planifie", "montant_engage",
                "montant_paye", "temps_agent", "unite_temps", "source_financement",
                "financement", "date_limite_depot"]
BUDGET = [
    # piège : dossier DSIL à déposer le 27 février 2026, 43 jours après le comité
    ("Capteurs de remplissage (300 bacs)", "CU-01", "investissement", 90000, 0, 0, None, None,
     "DSIL", "demandé", "2026-02-27"),
    ("Logiciel d'optimisation des tournées (3 ans)", "CU-01", "fonctionnement", 36000, 12000,
     12000, None, None, "Banque des Territoires", "acquis", None),
    ("Prestation d'analyse des données de collecte", "CU-01", "fonctionnement", 24000, 24000,
     8000, None, None, "Banque des Territoires", "acquis", None),
    ("Temps du chef de projet données", "CU-01", "fonctionnement", 30000, 15000, 15000, 0.5,
     "ETP", "fonds propres", "acquis", None),
    ("Ateliers et formation des agents de la régie", "CU-01", "fonctionnement", 0, 0, 0, 40,
     "jours", "fonds propres", "acquis", None),
    ("Tablettes embarquées des camions", "CU-01", "investissement", 15000, 0, 0, None, None,
     "fonds propres", "acquis", None),
    # piège : poste sans source de financement
    ("Formation au tableau de bord (organisme extérieur)", "CU-01", "fonctionnement", 6000, 0,
     0, None, None, None, None, None),
]

_RISK_KEYS = ["risque", "probabilite", "impact", "parade", "pilote", "statut"]
RISKS = [
    ("Le syndicat de traitement tarde à signer la convention d'échange", 3, 3,
     "Inscrire la convention à l'ordre du jour du bureau syndical",
     "direction des affaires juridiques", "ouvert"),
    ("Le dossier DSIL est refusé", 2, 4,
     "Plan de financement de repli (Banque des Territoires, fonds propres)",
     "direction des finances", "ouvert"),
    ("Les capteurs transmettent mal dans les rues étroites du centre", 2, 2,
     "Tester 10 capteurs avant de lancer le marché", "responsable de la régie de collecte",
     "ouvert"),
    ("Les équipes de collecte n'adoptent pas les nouvelles tournées", 3, 3,
     "Associer les équipes à la définition des tournées dès l'expérimentation",
     "responsable de la régie de collecte", "ouvert"),
    ("Des adresses d'usagers se retrouvent dans les données des bacs", 1, 3,
     "Ne garder que l'identifiant du bac ; avis du DPO", "délégué à la protection des données",
     "maîtrisé"),
]


def _dated(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: (_D(v) if k in keys and isinstance(v, str) else v) for k, v in row.items()}


def _cell(keys: list[str], column: str, index: int) -> str:
    return f"{get_column_letter(keys.index(column) + 1)}{index + 2}"  # en-tête en ligne 1


def _traps() -> list[dict[str, Any]]:
    ids = [a[0] for a in ACTIONS]
    act, bud = "Actions et jalons", "Budget"
    return [
        {"controle": "cycle-dependances", "feuille": act, "identifiant": "A-09",
         "cellule": _cell(_ACTION_KEYS, "depend_de", ids.index("A-09"))},
        {"controle": "cycle-dependances", "feuille": act, "identifiant": "A-10",
         "cellule": _cell(_ACTION_KEYS, "depend_de", ids.index("A-10"))},
        {"controle": "action-en-retard", "feuille": act, "identifiant": "A-04",
         "cellule": _cell(_ACTION_KEYS, "echeance", ids.index("A-04"))},
        {"controle": "action-en-retard", "feuille": act, "identifiant": "A-15",
         "cellule": _cell(_ACTION_KEYS, "echeance", ids.index("A-15"))},
        {"controle": "sans-financement", "feuille": bud, "poste": BUDGET[6][0],
         "cellule": _cell(_BUDGET_KEYS, "source_financement", 6)},
        {"controle": "depot-proche", "feuille": bud, "poste": BUDGET[0][0],
         "cellule": _cell(_BUDGET_KEYS, "date_limite_depot", 0)},
    ]


def build_roadmap(dest: Path) -> tuple[Path, dict[str, Any]]:
    """Écrit ``feuille_de_route/feuille_de_route.xlsx`` ; renvoie aussi les pièges posés."""
    from kit.templates import WORKBOOKS, write_workbook_template

    actions = [_dated(dict(zip(_ACTION_KEYS, a)), ("debut", "echeance", "fin_reelle"))
               for a in ACTIONS]
    budget = [_dated(dict(zip(_BUDGET_KEYS, b)), ("date_limite_depot",)) for b in BUDGET]
    risks = [dict(zip(_RISK_KEYS, r)) for r in RISKS]
    path = dest / ROADMAP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook_template(WORKBOOKS["feuille_de_route"], path, rows={
        "Actions et jalons": actions, "Budget": budget, "Risques": risks})
    return path, {"fichier": ROADMAP_FILE, "date": COMMITTEE_DATE, "pieges": _traps()}
