"""Données d'exemple de l'étape 2 (priorisation) : six cas d'usage candidats de Clairval et
leurs groupes de travail, écrits dans les modèles du kit, avec des pièges posés exprès."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["PRIORISATION_WEIGHTS", "build_priorisation"]

#: Pondération de l'exemple : le service aux habitants compte double.
PRIORISATION_WEIGHTS = {"impact_usagers": 2}

_CASE_KEYS = ["code", "titre", "service_porteur", "jeux_donnees", "impact_usagers",
              "impact_efficience", "impact_environnement", "impact_decision",
              "complexite_acteurs", "complexite_acces", "description"]

# notes de 1 à 5 ; les complexités de quantité, qualité, accès et données personnelles sont
# laissées vides (calculées à partir de l'inventaire), sauf pièges
HOSTILE_TITLE = ("Réduire les consommations d'énergie des bâtiments"
                 "<img src=x onerror=alert('cas')>")
USE_CASES = [
    ("CU-01", "Optimiser les tournées de collecte des déchets", "Déchets",
     "DEC-TONNAGES ; DEC-TOURNEES", 4, 5, 4, 3, 2, None,
     "Adapter les fréquences de collecte au remplissage réel, quartier par quartier."),
    ("CU-02", "Mieux cibler les aides sociales facultatives", "Action sociale (CCAS)",
     "CCAS-AIDES ; CCAS-RDV", 5, 3, 1, 4, 3, None,
     "Repérer les ménages qui ne demandent pas les aides auxquelles ils ont droit."),
    # piège : du HTML actif dans un titre montré par les rapports (il doit s'afficher en texte)
    ("CU-03", HOSTILE_TITLE, "Énergie des bâtiments",
     "NRJ-CONSO ; NRJ-PATRIMOINE", 2, 4, 5, 4, 2, None,
     "Suivre chaque bâtiment face aux objectifs du décret tertiaire et cibler les travaux."),
    # piège : « 7 » hors de l'échelle de 1 à 5 ; données des compteurs inaccessibles (DSP)
    ("CU-04", "Détecter les fuites du réseau d'eau", "Eau et assainissement",
     "EAU-COMPTEURS ; EAU-FUITES ; EAU-RESEAU", 4, 4, 5, 7, 4, None,
     "Croiser relevés des compteurs et interventions pour localiser les pertes d'eau."),
    # piège : jeu absent de l'inventaire
    ("CU-05", "Publier les subventions en open data", "Finances",
     "FIN-SUBVENTIONS ; FIN-ASSOCIATIONS", 3, 2, 1, 2, 1, None,
     "Publier chaque année les subventions versées au format national (SCDL)."),
    # piège : accès noté 1 alors que les comptages vélo sont payants (inventaire : 4)
    ("CU-06", "Adapter l'éclairage public à la fréquentation", "Éclairage public",
     "ECL-POINTS ; ECL-CONSO ; MOB-VELOS", 3, 4, 5, 3, 4, 1,
     "Abaisser l'éclairage aux heures creuses, rue par rue, d'après les comptages."),
]

# (cas d'usage, rôle, fonction, structure, accord) — des fonctions, jamais de noms
GROUPS = [
    ("CU-01", "Élu référent", "adjoint au maire chargé de l'environnement", "Conseil municipal",
     "oui"),
    ("CU-01", "DSI", "chef de projet données", "Direction des systèmes d'information", "oui"),
    ("CU-01", "Direction métier", "responsable de la régie de collecte", "Déchets", "oui"),
    ("CU-01", "Société civile", "représentant du conseil de quartier Nord", "Conseil de quartier",
     "non"),
    ("CU-02", "Élu référent", "adjointe aux solidarités", "Conseil municipal", "oui"),
    ("CU-02", "DSI", "chef de projet données", "Direction des systèmes d'information", "oui"),
    ("CU-02", "Direction métier", "directrice du CCAS", "Action sociale (CCAS)", "oui"),
    ("CU-02", "Société civile", "association d'aide alimentaire", "Association", "oui"),
    # piège : pas de DPO pour un cas d'usage qui traite des données personnelles
    ("CU-03", "Élu référent", "adjoint chargé des bâtiments", "Conseil municipal", "oui"),
    ("CU-03", "DSI", "administrateur du portail énergie", "Direction des systèmes d'information",
     "oui"),
    ("CU-03", "Direction métier", "économe de flux", "Énergie des bâtiments", "oui"),
    ("CU-04", "Élu référent", "adjoint chargé de l'eau", "Conseil municipal", "oui"),
    ("CU-04", "Direction métier", "responsable du contrat de délégation", "Eau et assainissement",
     "oui"),
    ("CU-04", "Autre", "directeur d'exploitation", "Délégataire du service de l'eau", "non"),
    ("CU-06", "Élu référent", "conseillère déléguée à la sobriété", "Conseil municipal", "oui"),
    ("CU-06", "DSI", "chef de projet données", "Direction des systèmes d'information", "oui"),
    ("CU-06", "Direction métier", "responsable de l'éclairage public", "Éclairage public", "oui"),
    ("CU-06", "Société civile", "association d'usagers du vélo", "Association", "oui"),
    # piège : code de cas d'usage inconnu
    ("CU-07", "Élu référent", "adjoint au numérique", "Conseil municipal", "oui"),
]

#: pièges posés (contrôle attendu, cas d'usage, colonne) : relus par les tests
TRAPS = [
    {"controle": "hors-echelle", "code": "CU-04", "colonne": "impact_decision",
     "cellule": "I5"},
    {"controle": "jeu-inconnu", "code": "CU-05", "colonne": "jeux_donnees"},
    {"controle": "note-incoherente", "code": "CU-06", "colonne": "complexite_acces"},
    {"controle": "bloquant", "code": "CU-04", "colonne": "complexite_acces"},
    {"controle": "role-manquant", "code": "CU-02", "role": "DPO"},
    {"controle": "cas-inconnu", "code": "CU-07", "colonne": "cas_usage"},
]


#: coût estimé (€ HT) et temps des agents (jours) ; CU-01 reprend le budget de sa feuille de
#: route, CU-05 n'est pas chiffré
COSTS = {"CU-01": (201000, 150), "CU-02": (45000, 80), "CU-03": (120000, 60),
         "CU-04": (260000, 90), "CU-06": (75000, 40)}


def build_priorisation(dest: Path) -> tuple[list[Path], dict[str, Any]]:
    """Écrit ``priorisation/cas_usage.xlsx`` et ``priorisation/groupe_travail.xlsx``."""
    from kit.templates import write_template

    folder = dest / "priorisation"
    folder.mkdir(parents=True, exist_ok=True)
    cases = [{**dict(zip(_CASE_KEYS, row)),
              **dict(zip(("cout_estime", "temps_agent_jours"), COSTS.get(row[0], (None, None))))}
             for row in USE_CASES]
    groups = [dict(zip(["cas_usage", "role", "fonction", "structure", "accord"], row))
              for row in GROUPS]
    paths = [write_template("cas_usage", folder / "cas_usage.xlsx", rows=cases),
             write_template("groupe_travail", folder / "groupe_travail.xlsx", rows=groups)]
    return paths, {"pieges": TRAPS, "poids": PRIORISATION_WEIGHTS}
