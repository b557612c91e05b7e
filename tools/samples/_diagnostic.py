"""Exemples du diagnostic de Clairval : inventaires des services, registre des traitements,
deux campagnes du questionnaire de maturité et résultats ouverts de collectivités pairs.

Toutes les valeurs sont fictives. Les défauts posés exprès (doublons, croisements inconnus,
données personnelles sans registre, DSP sans clause données, valeurs hors échelle, ancienne
version du modèle, questionnaire vide) sont notés dans ``pieges.json`` (clé ``diagnostic``)
pour que les tests vérifient que le kit les trouve tous.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

from kit.schemas import load_schema

__all__ = ["DIAGNOSTIC_DATE", "build_diagnostic"]

#: Date du diagnostic dans les exemples (fraîcheur des jeux calculée à cette date).
DIAGNOSTIC_DATE = dt.date(2026, 1, 15)
#: Fin des contrats connue de la collectivité (section « documents.contrats » de la
#: configuration) : les autres opérateurs n'en ont pas, la date est alors « non connue ».
CONTRACT_ENDS = {"Aquavia Services": "2027-06-30", "Parkopolis": "2031-12-31"}

_FREQ = {"C": "Continuelle", "Q": "Quotidienne ou plusieurs fois par jour",
         "H": "Hebdomadaire ou plusieurs fois par semaine",
         "M": "Mensuelle ou plusieurs fois par mois", "T": "Trimestrielle", "A": "Annuelle",
         "I": "Irrégulière", "5": "Quinquennale"}
_FMT = {"T": "Tableur (xlsx, ods)", "C": "CSV", "B": "Base de données",
        "S": "SIG (shp, GeoPackage)", "A": "API", "P": "PDF"}
_HOLDER = {"S": "Service", "D": "Délégataire (DSP)", "P": "Prestataire", "R": "Partenaire"}

# service, identifiant, titre, détenteur, nom, outil, format, volume, fréquence, date de mise à
# jour, mode d'accès, clause DSP, données personnelles, registre, qualité, croisés, usage
_D = [
    ("Eau et assainissement", "EAU-RESEAU", "Réseau d'eau potable (canalisations, branchements)",
     "D", "Aquavia Services", "SIG du délégataire", "S", 18500, "A", "2025-03-31",
     "Export manuel", "inconnu", False, None, 3, "URB-PERMIS", "Renouvellement des conduites"),
    ("Eau et assainissement", "EAU-RENDEMENT", "Rendement du réseau et volumes distribués",
     "D", "Aquavia Services", "Rapport annuel du délégataire", "T", 84, "A", "2025-06-30",
     "Export manuel", "inconnu", False, None, 2, "EAU-RESEAU", "Indicateur de performance"),
    ("Eau et assainissement", "EAU-COMPTEURS", "Relevés des compteurs des abonnés", "D",
     "Aquavia Services", "Logiciel de facturation", "B", 21000, "T", "2025-10-31",
     "Inaccessible", "non", True, "RT-004", 2, "EAU-RESEAU ; FIN-BUDGET", "Détection des fuites"),
    ("Eau et assainissement", "EAU-FUITES", "Interventions sur fuites", "D", "Aquavia Services",
     "GMAO du délégataire", "T", 640, "M", "2025-12-31", "Export manuel", "inconnu", False,
     None, 3, None, None),
    ("Déchets", "DEC-TONNAGES", "Tonnages collectés par flux et par mois", "S", None,
     "Pesées du quai de transfert", "C", 2000, "M", "2025-12-31", "Interne", None, False, None,
     3, "FIN-BUDGET", "Indicateur kg par habitant"),
    ("Déchets", "DEC-TOURNEES", "Tournées de collecte", "S", None, "SIG", "S", 40, "I",
     "2022-05-12", "Interne", None, False, None, 2, "DEC-TONNAGES", "Optimisation des tournées"),
    ("Déchets", "DEC-TRAITEMENT", "Tonnages traités par filière", "R",
     "Syndicat de traitement du Val d'Aurore", "Rapport du syndicat", "P", 120, "A",
     "2025-04-30", "Export manuel", None, False, None, 2, "DEC-TONNAGES", None),
    ("Déchets", "DEC-BACS", "Parc de bacs et conteneurs", "S", None, "Tableur", "T", 15200, "I",
     "2021-09-01", "Interne", None, False, None, 1, None, None),
    ("Énergie des bâtiments", "NRJ-CONSO", "Consommations d'énergie des bâtiments", "S", None,
     "Tableur de suivi", "T", 2900, "M", "2025-12-31", "Interne", None, False, None, 3,
     "NRJ-PATRIMOINE ; FIN-BUDGET", "Décret tertiaire"),
    ("Énergie des bâtiments", "NRJ-PATRIMOINE", "Patrimoine bâti et surfaces", "S", None,
     "Tableur", "T", 58, "A", "2023-02-15", "Interne", None, False, None, 2, None,
     "Décret tertiaire"),
    ("Énergie des bâtiments", "NRJ-PORTAIL", "Courbes de charge du fournisseur d'électricité",
     "P", "Fournisseur d'électricité (marché)", "Portail client", "A", 350000, "Q",
     "2026-01-14", "API", None, False, None, 4, "NRJ-CONSO", None),
    ("Éclairage public", "ECL-POINTS", "Inventaire des points lumineux", "P", "Lumeo Services",
     "Logiciel de patrimoine du titulaire", "T", 3650, "A", "2025-09-30", "Export manuel", None,
     False, None, 5, "NRJ-CONSO", "Plan de sobriété"),
    ("Éclairage public", "ECL-CONSO", "Consommations de l'éclairage public", "P",
     "Lumeo Services", "Tableur du titulaire", "T", 144, "M", "2025-11-30", "Export manuel",
     None, False, None, 3, "ECL-POINTS", "Plan de sobriété"),
    ("Éclairage public", "ECL-PANNES", "Signalements de pannes", "P", "Lumeo Services",
     "Application de signalement", "A", 1200, "Q", "2026-01-10", "API", None, False, None, 3,
     "ECL-POINTS", None),
    ("Mobilités", "MOB-PARKINGS", "Fréquentation des parkings", "D", "Parkopolis",
     "Système de péage", "C", 36000, "M", "2025-12-31", "Export manuel", "oui", False, None, 3,
     "URB-PLU", "Politique de stationnement"),
    ("Mobilités", "MOB-VELOS", "Comptages vélo", "P", "Comptaville", "Plateforme du prestataire",
     "A", 52000, "Q", "2026-01-14", "Payant", None, False, None, 4, "MOB-PARKINGS",
     "Plan vélo"),
    ("Mobilités", "MOB-ABONNES", "Abonnés des parkings", "D", "Parkopolis", "Système de péage",
     "B", 1800, "C", "2025-12-31", "Inaccessible", "oui", True, "RT-007", 3, None, None),
    ("Action sociale (CCAS)", "CCAS-AIDES", "Bénéficiaires des aides facultatives", "S", None,
     "Logiciel du CCAS", "T", 620, "C", "2025-12-31", "Interne", None, True, "RT-001", 2,
     "FIN-BUDGET", "Analyse des besoins sociaux"),
    ("Action sociale (CCAS)", "CCAS-RDV", "Rendez-vous des travailleurs sociaux", "S", None,
     "Logiciel du CCAS", "B", 4800, "Q", "2026-01-14", "Interne", None, True, "RT-009", 3, None,
     None),
    ("Action sociale (CCAS)", "CCAS-ABS", "Analyse des besoins sociaux (indicateurs)", "S", None,
     "Étude", "P", 1, "5", "2022-11-30", "Open data publié", None, False, None, 3, "CCAS-AIDES",
     "Information des élus"),
    ("Urbanisme", "URB-PERMIS", "Permis de construire", "S", None, "Logiciel d'instruction", "B",
     900, "C", "2025-12-31", "Export", None, True, "RT-006", 2, "EAU-RESEAU", "Délais"),
    ("Urbanisme", "URB-DIA", "Déclarations d'intention d'aliéner", "S", None,
     "Logiciel d'instruction", "B", 450, "C", "2025-12-31", "Interne", None, True, "RT-006", 3,
     None, None),
    ("Finances", "FIN-BUDGET", "Budget et comptes par chapitre", "S", None, "Logiciel financier",
     "B", 12000, "A", "2025-04-15", "Interne", None, False, None, 4, None, "Pilotage budgétaire"),
    ("Finances", "FIN-SUBVENTIONS", "Subventions versées aux associations", "S", None,
     "Logiciel financier", "C", 380, "A", "2025-03-31", "Open data publié", None, False, None, 3,
     None, "Open data (SCDL)"),
    ("Finances", "FIN-FLUIDES", "Consommations d'énergie des bâtiments", "S", None,
     "Factures", "T", 1400, "M", "2025-12-31", "Interne", None, False, None, 3, "FIN-BUDGET",
     None),
    ("Culture", "CUL-PRETS", "Prêts des médiathèques", "S", None, "Logiciel de bibliothèque",
     "B", 95000, "Q", "2026-01-14", "Interne", None, False, None, 3, "CUL-LECTEURS", None),
    ("Culture", "CUL-FREQ", "Fréquentation des médiathèques", "S", None, "Compteurs d'entrée",
     "T", 72, "M", "2025-12-31", "Interne", None, False, None, 3, None, None),
    ("Culture", "CUL-LECTEURS", "Fichier des lecteurs inscrits", "S", None,
     "Logiciel de bibliothèque", "B", 9800, "C", "2026-01-14", "Interne", None, True, "RT-005",
     3, None, None),
    ("Culture", "FIN-SUBVENTIONS", "Subventions aux associations culturelles", "S", None,
     "Tableur", "T", 45, "A", "2025-02-28", "Interne", None, False, None, 2, None, None),
    ("Ressources humaines", "RH-COMPETENCES", "Cartographie des compétences en données", "S",
     None, "Tableur", "T", 36, "A", "2025-06-30", "Interne", None, True, "RT-002", 3, None,
     "Plan de formation"),
    ("Ressources humaines", "RH-FORMATIONS", "Plan et suivi des formations", "S", None, "Tableur",
     "T", 410, "A", "2025-01-31", "Interne", None, True, None, 2, "RH-COMPETENCES", None),
    ("Ressources humaines", "RH-EFFECTIFS", "Effectifs et masse salariale", "S", None,
     "Logiciel RH", "B", 620, "M", "2025-12-31", "Interne", None, True, "RT-002", 4,
     "FIN-BUDGET", None),
]

#: Fichier de chaque service (dans diagnostic/inventaires/).
_FILES = {"Eau et assainissement": "eau", "Déchets": "dechets",
          "Énergie des bâtiments": "energie", "Éclairage public": "eclairage",
          "Mobilités": "mobilites", "Action sociale (CCAS)": "ccas", "Urbanisme": "urbanisme",
          "Finances": "finances", "Culture": "culture", "Ressources humaines": "rh"}

#: Incohérences posées exprès : (code, identifiant).
EXPECTED_CHECKS = [
    ("doublon", "FIN-SUBVENTIONS"), ("doublon-probable", "FIN-FLUIDES"),
    ("croisement-inconnu", "MOB-PARKINGS"), ("rgpd-sans-registre", "RH-FORMATIONS"),
    ("rgpd-reference-inconnue", "CCAS-RDV"), ("dsp-sans-clause", "EAU-RESEAU"),
    ("dsp-sans-clause", "EAU-RENDEMENT"), ("dsp-sans-clause", "EAU-COMPTEURS"),
    ("dsp-sans-clause", "EAU-FUITES"), ("open-data-sans-licence", "CCAS-ABS"),
]

_REGISTER = [
    ("RT-001", "Aides facultatives du CCAS", "Instruire et verser les aides sociales facultatives",
     "Mission d'intérêt public", "État civil, coordonnées, situation familiale et financière",
     True, "Demandeurs d'aide et leur foyer", "CCAS, Trésor public",
     "5 ans après la dernière aide",
     "Habilitations nominatives, journalisation", "CCAS"),
    ("RT-002", "Gestion du personnel", "Gérer la carrière, la paie et la formation des agents",
     "Obligation légale", "État civil, coordonnées, carrière, rémunération, compétences", True,
     "Agents", "DRH, centre de gestion", "Durée de la carrière + 5 ans",
     "Accès restreint à la DRH",
     "Ressources humaines"),
    ("RT-003", "État civil", "Tenir les registres d'état civil", "Obligation légale",
     "État civil", False, "Usagers", "Procureur, INSEE", "Permanente (archives)",
     "Registres sous clé, logiciel habilité", "Population"),
    ("RT-004", "Facturation de l'eau", "Facturer les abonnés du service d'eau", "Contrat",
     "Identité, adresse, consommation, coordonnées bancaires", False, "Abonnés",
     "Délégataire, Trésor public", "5 ans après la fin de l'abonnement",
     "Clauses du contrat de délégation", "Eau et assainissement"),
    ("RT-005", "Inscriptions aux médiathèques", "Gérer les inscriptions et les prêts",
     "Mission d'intérêt public", "Identité, coordonnées, historique de prêts", False,
     "Lecteurs", "Médiathèques", "1 an après la fin de l'inscription", "Mots de passe, purge",
     "Culture"),
    ("RT-006", "Instruction des autorisations d'urbanisme", "Instruire les demandes",
     "Obligation légale", "Identité, adresse, projet", False, "Pétitionnaires",
     "Services de l'État, notaires", "Permanente (archives)", "Habilitations", "Urbanisme"),
    ("RT-007", "Abonnements de stationnement", "Gérer les abonnés des parkings", "Contrat",
     "Identité, plaque d'immatriculation, paiement", False, "Abonnés", "Concessionnaire",
     "3 ans après la fin de l'abonnement", "Clauses du contrat de concession", "Mobilités"),
    ("RT-008", "Listes électorales", "Tenir les listes électorales", "Obligation légale",
     "État civil, adresse", False, "Électeurs", "Préfecture, INSEE", "Permanente",
     "Répertoire électoral unique", "Population"),
]

_AXES = ["GOV", "ORG", "OUT", "QUA", "RGPD", "OUV", "CIT", "COOP"]
#: Axes arrivés avec la version 1.1.0 du questionnaire (campagne 2025 seulement). Leurs
#: réponses sont tirées avec un générateur à part, pour que celles des huit premiers axes ne
#: changent pas.
_NEW_AXES = {"EVA": 1.9, "MOY": 1.6}
#: Profil du répondant de chaque service en 2025 (les questionnaires de 2024 suivent
#: l'ancien modèle, sans profil) : l'élu délégué a répondu pour deux services.
_PROFILES_2025 = {"Finances": "élu", "Mobilités": "élu", "Eau et assainissement": "agent",
                  "Éclairage public": "agent", "Culture": "agent", "Urbanisme": "agent"}
#: Commentaires laissés à côté de réponses faibles en 2025 (service, code, texte) ; le
#: dernier contient un numéro de téléphone, que le kit doit masquer.
_COMMENTS_2025 = [
    ("Culture", "CIT-3", "Aucun suivi des réutilisations : personne n'est chargé de les "
     "recenser."),
    ("Eau et assainissement", "COOP-2", "Le SIG de l'agglomération n'intègre pas encore le "
     "réseau du délégataire."),
    ("Éclairage public", "OUT-1", "Fichiers sur le poste du technicien, rappeler au "
     "06 11 22 33 44."),
]
#: Niveau de départ de la collectivité par axe (campagne 2024) et progrès en 2025.
_BASE = {"GOV": 1.6, "ORG": 2.0, "OUT": 2.5, "QUA": 2.2, "RGPD": 2.9, "OUV": 1.8, "CIT": 1.4,
         "COOP": 2.0}
_GAIN = {"GOV": 1.1, "ORG": 0.5, "OUT": 0.1, "QUA": 0.3, "RGPD": 0.4, "OUV": 0.7, "CIT": 0.0,
         "COOP": 0.2}
_SERVICE_SHIFT = {"Finances": 0.8, "Ressources humaines": 0.3, "Énergie des bâtiments": 0.4,
                  "Mobilités": 0.2, "Déchets": 0.0, "Culture": -0.2, "Urbanisme": -0.1,
                  "Action sociale (CCAS)": 0.1, "Eau et assainissement": -0.4,
                  "Éclairage public": -0.3}

_PEERS = [("Commune fictive A", "35 000 à 49 999 habitants", 3.4),
          ("Commune fictive B", "35 000 à 49 999 habitants", 2.9),
          ("Commune fictive C", "35 000 à 49 999 habitants", 2.4),
          ("Commune fictive D", "35 000 à 49 999 habitants", 2.1),
          ("Commune fictive E", "35 000 à 49 999 habitants", 3.0),
          ("Commune fictive F", "20 000 à 34 999 habitants", 2.2),
          ("Commune fictive G", "50 000 à 74 999 habitants", 3.6),
          ("Commune fictive H", "20 000 à 34 999 habitants", 1.9)]


#: fin des contrats de délégation (fictive) : l'eau se renouvelle dans moins de 18 mois
_CONTRACT_END = {"Aquavia Services": dt.date(2027, 6, 30), "Parkopolis": dt.date(2031, 12, 31)}


def _row(d: tuple) -> dict[str, Any]:
    (service, ident, title, holder, name, tool, fmt, volume, freq, date, access, clause,
     personal, ref, quality, crossed, usage) = d
    return {"identifiant": ident, "titre": title,
            "description": None if quality <= 1 else f"{title} ({service.lower()}).",
            "service_producteur": service, "contact": f"Responsable {service.lower()}",
            "detenteur": _HOLDER[holder], "nom_delegataire": name, "outil": tool,
            "format": _FMT[fmt], "volume": volume, "frequence_maj": _FREQ[freq],
            "date_derniere_maj": dt.date.fromisoformat(date), "mode_acces": access,
            "clauses_donnees_dsp": clause, "donnees_personnelles": personal,
            "reference_registre": ref, "qualite": quality,
            "licence": "Licence Ouverte-LO" if ident == "FIN-SUBVENTIONS" and
            service == "Finances" else None, "jeux_croises": crossed, "cas_usage": usage,
            "fin_contrat_delegation": _CONTRACT_END.get(name)}


def _inventories(dest: Path) -> list[Path]:
    from kit.templates import write_template

    schema = load_schema("inventaire_donnees")
    old = copy.deepcopy(schema)  # version 0.9 du modèle : trois colonnes de moins
    old["version"] = "0.9.0"
    old["fields"] = [f for f in old["fields"] if f["name"] not in (
        "clauses_donnees_dsp", "licence", "cas_usage", "fin_contrat_delegation")]
    misspelled = copy.deepcopy(schema)  # « Détenteurs » au lieu de « Détenteur »
    for f in misspelled["fields"]:
        if f["name"] == "detenteur":
            f["title"] = "Détenteurs"
    paths = []
    for service, stem in _FILES.items():
        rows = [_row(d) for d in _D if d[0] == service]
        used = old if stem == "culture" else misspelled if stem == "dechets" else schema
        path = dest / "diagnostic" / "inventaires" / f"inventaire_{stem}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_template(used, path, rows=[
            {k: v for k, v in r.items() if k in {f["name"] for f in used["fields"]}}
            for r in rows]))
    return paths


def _expected_errors() -> list[dict[str, Any]]:
    """Erreurs de validation posées dans les inventaires (cellule comme dans Excel)."""
    from tools.samples._io import ref

    fields = [f["name"] for f in load_schema("inventaire_donnees")["fields"]]

    def row_of(service: str, ident: str) -> int:  # en-tête en ligne 1
        return 2 + [d[1] for d in _D if d[0] == service].index(ident)

    return [
        {"fichier": "inventaire_eclairage.xlsx", "code": "contrainte", "colonne": "qualite",
         "cellule": ref(fields.index("qualite"), row_of("Éclairage public", "ECL-POINTS")),
         "valeur": "5"},
        {"fichier": "inventaire_urbanisme.xlsx", "code": "enum", "colonne": "mode_acces",
         "cellule": ref(fields.index("mode_acces"), row_of("Urbanisme", "URB-PERMIS")),
         "valeur": "Export"},
        {"fichier": "inventaire_dechets.xlsx", "code": "colonne-manquante",
         "colonne": "detenteur", "cellule": None, "valeur": None},
    ]


def _register(dest: Path) -> Path:
    from kit.templates import write_template

    keys = ["reference", "traitement", "finalite", "base_legale", "categories_donnees",
            "donnees_sensibles", "personnes_concernees", "destinataires", "duree_conservation",
            "mesures_securite", "responsable"]
    rows = [dict(zip(keys, r), date_mise_a_jour=dt.date(2025, 9, 1)) for r in _REGISTER]
    return write_template("registre_traitements",
                          dest / "diagnostic" / "registre_traitements.xlsx", rows=rows)


def _answers(rng: random.Random, service: str, year: int, codes: list[str]
             ) -> dict[str, tuple[int | None, int | None]]:
    out = {}
    for code in codes:
        axe = code.split("-")[0]
        level = _BASE[axe] + _SERVICE_SHIFT[service] + (_GAIN[axe] if year == 2025 else 0)
        value = int(min(5, max(1, round(level + rng.choice([-1, -0.5, 0, 0, 0.5, 1])))))
        answer = None if rng.random() < 0.05 else value  # « je ne sais pas »
        target = min(5, value + 1) if rng.random() < 0.5 else None
        out[code] = (answer, target)
    return out


def _new_axes(rng: random.Random, service: str) -> dict[str, tuple[int | None, int | None]]:
    out = {}
    for axe, base in _NEW_AXES.items():
        for i in (1, 2, 3):
            level = base + _SERVICE_SHIFT[service]
            value = int(min(5, max(1, round(level + rng.choice([-1, -0.5, 0, 0, 0.5, 1])))))
            out[f"{axe}-{i}"] = (value, min(5, value + 1) if rng.random() < 0.5 else None)
    return out


def _maturity(dest: Path) -> tuple[list[Path], dict[str, Any]]:
    from kit.templates import MATURITY_QUESTIONS, MATURITY_QUESTIONS_V1, write_questionnaire

    codes = [q["code"] for q in MATURITY_QUESTIONS_V1]
    paths, traps = [], {}
    for year in (2024, 2025):
        rng, extra = random.Random(year), random.Random(year + 1000)
        folder = dest / "diagnostic" / f"maturite_{year}"
        folder.mkdir(parents=True, exist_ok=True)
        for service, stem in _FILES.items():
            answers: dict[str, Any] = _answers(rng, service, year, codes)
            # 2024 : ancien modèle (version 1.0.0, 24 questions, sans profil)
            questions = MATURITY_QUESTIONS_V1 if year == 2024 else MATURITY_QUESTIONS
            if year == 2025:
                answers.update(_new_axes(extra, service))
                for who, code, text in _COMMENTS_2025:
                    if who == service:
                        answers[code] = (*answers[code], text)
            if year == 2024 and stem == "culture":  # ancienne version : 3 questions de moins
                questions = [q for q in questions if q["code"] not in ("CIT-3", "COOP-3",
                                                                        "OUV-3")]
                traps["ancienne_version"] = f"maturite_{year}/{stem}.xlsx"
            if year == 2025 and stem == "urbanisme":
                answers = {}
                traps["questionnaire_vide"] = f"maturite_{year}/{stem}.xlsx"
            if year == 2025 and stem == "eclairage":
                answers["OUT-2"] = (7, None)
                row = 2 + [q["code"] for q in questions].index("OUT-2")
                traps["hors_echelle"] = {"fichier": f"maturite_{year}/{stem}.xlsx",
                                         "ligne": row, "valeur": 7}
            kept = {q["code"] for q in questions}
            answers = {k: v for k, v in answers.items() if k in kept}
            paths.append(write_questionnaire(
                folder / f"{stem}.xlsx", collectivite="Ville de Clairval", service=service,
                campagne=dt.date(year, 11, 15), answers=answers, questions=questions,
                profil=_PROFILES_2025.get(service, "direction") if year == 2025 else "",
                respondent_profile=year == 2025))
    traps["ancien_modele"] = "maturite_2024"
    traps["profils_2025"] = {s: _PROFILES_2025.get(s, "direction") for s in _FILES}
    traps["commentaires_2025"] = [{"service": s, "code": c, "texte": t}
                                  for s, c, t in _COMMENTS_2025]
    return paths, traps


def _peers(dest: Path) -> list[Path]:
    from kit.templates import MATURITY_QUESTIONS as QUESTIONS

    folder = dest / "diagnostic" / "maturite_pairs"
    folder.mkdir(parents=True, exist_ok=True)
    header = ["collectivite", "type_collectivite", "strate", "campagne", "axe", "code", "score",
              "nb_reponses"]
    paths = []
    for i, (name, strate, level) in enumerate(_PEERS):
        rng = random.Random(100 + i)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        tilt = {axe: rng.uniform(-0.8, 0.8) for axe in _AXES}
        extra = random.Random(200 + i)  # axes de la version 1.1.0 : tirage à part
        tilt.update({axe: extra.uniform(-0.8, 0.8) for axe in _NEW_AXES})
        for q in QUESTIONS:
            axe = q["code"].split("-")[0]
            draw = extra if axe in _NEW_AXES else rng
            score = min(5.0, max(1.0, level + tilt[axe] + draw.uniform(-0.5, 0.5)))
            writer.writerow([name, "Commune", strate, f"2025-{10 + i % 3:02d}-15", q["axe"],
                             q["code"], f"{score:.2f}", rng.randint(4, 12)])
        path = folder / f"maturite_{name.split()[-1].lower()}.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        paths.append(path)
    return paths


def build_diagnostic(dest: Path) -> tuple[list[Path], dict[str, Any]]:
    """Écrit les fichiers du diagnostic dans ``dest/diagnostic`` ; renvoie les chemins et les
    pièges posés (clé ``diagnostic`` de ``pieges.json``)."""
    paths = _inventories(dest)
    paths.append(_register(dest))
    maturity, traps = _maturity(dest)
    paths += maturity + _peers(dest)
    traps["incoherences"] = [{"code": c, "identifiant": i} for c, i in EXPECTED_CHECKS]
    traps["erreurs"] = _expected_errors()
    traps["date_diagnostic"] = DIAGNOSTIC_DATE.isoformat()
    return paths, traps
