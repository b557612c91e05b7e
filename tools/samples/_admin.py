"""Fichiers d'exemple des services administratifs de Clairval : CCAS, urbanisme, finances,
médiathèques, ressources humaines.

Les noms, e-mails (domaine ``exemple.fr``), téléphones et numéros de sécurité sociale sont
inventés ;
ils sont tous recopiés dans ``pieges.json`` pour que les tests vérifient qu'aucun export ne les
contient. Les NIR fictifs ont une clé de contrôle volontairement fausse.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from pathlib import Path

from tools.samples._io import (
    Fmt,
    Raw,
    Registry,
    Sheet,
    fr_date,
    fr_money,
    fr_number,
    month_starts,
    ref,
    write_csv,
    write_xlsx,
)
from tools.samples._techniques import VOIES

# Noms et prénoms choisis pour n'apparaître dans aucun nom de commune ni d'EPCI : un rapport
# qui cite une vraie commune (« Conflans-Sainte-Honorine ») ne doit pas passer pour une fuite.
NOMS = ["Vercoutrel", "Lambrechon", "Dufresnoy", "Castagnaret", "Morvillon", "Pelletrat",
        "Guérindon", "Sabatteau", "Tisserandot", "Chaumerette", "Ferrandiou", "Lhermitan",
        "Quérouil", "Delaunoy", "Marchebeuf", "Poitrenaud", "Vasseuril", "Brunetière",
        "Coulommiet", "Jacquemond", "Hautecœur", "Rivaudel", "Besnardière", "Oudinot-Larre"]
PRENOMS_F = ["Solène", "Clémence", "Héloïse", "Maëlys", "Perrine", "Ombeline", "Apolline",
             "Bérénice", "Capucine", "Philomène", "Léontine", "Zéphirine"]
PRENOMS_H = ["Anatole", "Gaspard", "Baptistin", "Octave", "Léandre", "Fulbert", "Aristide",
             "Séraphin", "Casimir", "Gontran", "Evariste", "Théophile"]
QUARTIERS = ["Centre", "Les Aubiers", "Valmont", "La Cressonnière", "Le Haut-Clairval"]


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe"))
    return "".join(c for c in text if c.isascii()).lower().replace(" ", "-")


def _person(rng: random.Random, used: set[tuple[str, str]]) -> tuple[str, str, str]:
    """(nom, prénom, sexe « 1 »/« 2 ») fictifs, sans doublon."""
    while True:
        sex = rng.choice("12")
        first = rng.choice(PRENOMS_H if sex == "1" else PRENOMS_F)
        last = rng.choice(NOMS)
        if (last, first) not in used:
            used.add((last, first))
            return last, first, sex


def _expect(notes: dict, ligne: int, colonne: str, champ: str, valeur: object) -> None:
    notes.setdefault("valeurs", []).append(
        {"ligne": ligne, "colonne": colonne, "champ": champ, "valeur": valeur})


def _luhn_complete(prefix: str) -> str:
    """Ajoute le chiffre de contrôle de Luhn (SIREN/SIRET) à ``prefix``."""
    for digit in "0123456789":
        number = prefix + digit
        total = sum(int(c) * (2 if i % 2 else 1) - (9 if int(c) * (2 if i % 2 else 1) > 9 else 0)
                    for i, c in enumerate(reversed(number)))
        if total % 10 == 0:
            return number
    raise AssertionError("inatteignable")


# --------------------------------------------------------------------------- CCAS
AIDES = ["Aide alimentaire", "Aide à l'énergie", "Secours d'urgence", "Aide au transport",
         "Aide à la restauration scolaire"]


def build_ccas(dest: Path, reg: Registry) -> Path:
    """Xlsx de données personnelles : noms, e-mails, téléphones, NIR, naissances, montants."""
    name = "ccas/beneficiaires_aides_2025.xlsx"
    sheet = "Bénéficiaires 2025"
    rng = random.Random(201)
    s = Sheet(sheet, widths={"A": 16, "B": 16, "C": 12, "D": 14, "E": 34, "F": 16, "G": 24,
                             "H": 28, "I": 14, "J": 14, "K": 18})
    s.add("CCAS de Clairval — Aides facultatives attribuées en 2025")
    s.add("Document de travail interne — contient des données personnelles — ne pas diffuser")
    s.add()
    header = ["N° dossier", "Nom", "Prénom", "Date de naissance", "Adresse e-mail", "Téléphone",
              "N° de sécurité sociale", "Type d'aide", "Date de décision", "Montant", "Quartier"]
    s.add(*header)
    s.merges += ["A1:K1", "A2:K2"]
    s.bold_rows = [4]
    notes = reg.describe(name, "Action sociale (CCAS)", "beneficiaires_ccas", feuille=sheet,
                         header_row=4, header_rows=1, donnees_personnelles=True)
    used: set[tuple[str, str]] = set()
    for i in range(40):
        r = s.next_row
        last, first, sex = _person(rng, used)
        born = dt.date(rng.randint(1938, 2004), rng.randint(1, 12), rng.randint(1, 28))
        mail = f"{_ascii(first)}.{_ascii(last)}@exemple.fr" if i % 6 != 4 else None
        phone = f"0{rng.choice('67')} " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))
        body = f"{sex}{born:%y}{born:%m}75{rng.randint(101, 120):03d}{rng.randint(1, 999):03d}"
        key = (97 - int(body) % 97 + 1) % 97 or 1  # clé volontairement fausse
        nir = f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}"
        amount = round(rng.choice([45, 60, 80, 120, 150, 210, 320, 480]) * rng.uniform(0.8, 1.2),
                       2)
        if i in (7, 23):
            amount = round(amount + 1000, 2)
        aide: str | None = rng.choice(AIDES)
        decided = dt.date(2025, 1, 6) + dt.timedelta(days=rng.randint(0, 350))
        if i == 17:  # type d'aide manquant : erreur « requis »
            aide = None
            reg.error(name, sheet, ref(7, r), "Type d'aide", "type_aide", "requis",
                      "Type d'aide obligatoire laissé vide.")
        for value in (last, first, mail, phone, nir, fr_date(born)):
            if value:
                reg.personal_value(value)
        s.add(f"CCAS-2025-{i + 1:04d}", last, first, born, mail, phone, nir, aide, decided,
              fr_money(amount), rng.choice(QUARTIERS))
        if i in (0, 7):
            _expect(notes, r, "Montant", "montant", amount)
    notes["rows"] = 40
    return write_xlsx(dest / name, [s])


# --------------------------------------------------------------------------- urbanisme
NATURES = ["Maison individuelle", "Extension d'habitation", "Garage / annexe",
           "Immeuble collectif", "Local commercial", "Changement de destination",
           "Équipement public"]
STATUTS_ACCORD = ["Accordé", "accordé ", "ACCORDE", "Accordé avec prescriptions", "Tacite"]
STATUTS_REFUS = ["refusé", "Refusé", "Sans suite"]


def build_permis(dest: Path, reg: Registry) -> Path:
    """CSV UTF-8 « , » : dates jj/mm/aa en texte, statuts libres, script, date dans un nombre."""
    name = "urbanisme/permis_construire_2024_2025.csv"
    rng = random.Random(202)
    s = Sheet("csv")
    header = ["N° de dossier", "Date de dépôt", "Date de décision", "Nature des travaux",
              "Adresse du terrain", "Statut", "Délai (jours)", "Observations"]
    s.add(*header)
    notes = reg.describe(name, "Urbanisme", "permis_construire", header_row=1, header_rows=1,
                         encoding="utf-8", delimiter=",", statuts_bruts=[])
    observations = ["Avis de l'architecte des bâtiments de France requis",
                    "Pièces complémentaires demandées", "Zone inondable : prescriptions",
                    "Affichage sur le terrain constaté", ""]
    for i in range(150):
        r = s.next_row
        year = 2024 if i < 80 else 2025
        filed = dt.date(year, 1, 2) + dt.timedelta(days=int(i % 80 * 4.4) + rng.randint(0, 3))
        number = f"PC 007 999 {year % 100:02d} A{i % 80 + 1:04d}"
        delay = rng.randint(45, 150)
        decided = filed + dt.timedelta(days=delay)
        pending = decided > dt.date(2025, 12, 31) or (year == 2025 and i % 11 == 0)
        statut = ("En cours d'instruction" if pending else
                  rng.choice(STATUTS_ACCORD) if rng.random() < 0.85 else rng.choice(STATUTS_REFUS))
        obs = rng.choice(observations) if rng.random() < 0.3 else ""
        delay_cell = "" if pending else str(delay)
        if i == 5:
            obs = reg.hostile_cell(name, None, ref(7, r), "<script>alert(1)</script>")
        if i == 16:  # une date saisie dans la colonne des délais : erreur « type »
            delay_cell = fr_date(decided)
            reg.error(name, None, ref(6, r), "Délai (jours)", "delai_jours", "type",
                      "Une date a été saisie à la place d'un nombre de jours.", delay_cell)
        s.add(number, fr_date(filed, True), "" if pending else fr_date(decided, True),
              rng.choice(NATURES), f"{rng.randint(1, 120)} {rng.choice(VOIES).lower()}",
              statut, delay_cell, obs)
        if statut not in notes["statuts_bruts"]:
            notes["statuts_bruts"].append(statut)
        if i == 0:
            _expect(notes, r, "Date de dépôt", "date_depot", filed.isoformat())
    notes["rows"] = 150
    return write_csv(dest / name, s.rows, "utf-8", ",", "\n")


# --------------------------------------------------------------------------- finances
ASSOCIATIONS = [
    "Association sportive de Clairval (football)", "Les Amis de la médiathèque",
    "Comité des fêtes du Haut-Clairval", "Clairval Solidarité", "Théâtre des Aubiers",
    "Club de l'amitié de Valmont", "Judo club clairvalois", "Harmonie municipale de Clairval",
    "Épicerie solidaire des Aubiers", "Jardins partagés de la Cressonnière",
    "Office de tourisme du Val d'Aurore", "École de musique de Clairval",
    "Secours de proximité, quartier Centre", "Cyclo-club du Val d'Aurore",
]
OBJETS = ["Subvention de fonctionnement 2024", "Organisation de la fête de quartier",
          "Projet éducatif « Lire en été »", "Achat de matériel sportif",
          "Saison culturelle 2024-2025", "Aide exceptionnelle, inondation de juin"]


def build_subventions(dest: Path, reg: Registry) -> Path:
    """CSV UTF-8 « , » façon SCDL : montants « 1500,50 » non cités (lignes à réparer), SIRET sans
    zéro initial, formule HYPERLINK, montant négatif."""
    name = "finances/subventions_versees_2024.csv"
    rng = random.Random(203)
    s = Sheet("csv")
    header = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision",
              "nomBeneficiaire", "idBeneficiaire", "objet", "montant", "nature",
              "conditionsVersement", "datesPeriodeVersement", "notificationUE"]
    s.add(*header)
    notes = reg.describe(name, "Finances", "subventions_versees", header_row=1, header_rows=1,
                         encoding="utf-8", delimiter=",", repaired_lines=[])
    ville = _luhn_complete(_luhn_complete("21079999") + "0001")
    sirets = [_luhn_complete(_luhn_complete(f"{rng.randint(30000000, 89999999)}")
                             + f"{rng.randint(1, 99):04d}") for _ in ASSOCIATIONS]
    sirets[5] = _luhn_complete(_luhn_complete("05123456") + "0013")  # commence par 0
    for i in range(48):
        r = s.next_row
        k = i % len(ASSOCIATIONS)
        signed = dt.date(2024, 1, 15) + dt.timedelta(days=rng.randint(0, 320))
        amount = float(rng.choice([300, 500, 750, 1200, 1500, 2500, 4000, 8000, 15000]))
        if i % 5 == 2:
            amount += 0.5
        paid = signed + dt.timedelta(days=rng.randint(10, 40))
        staged = rng.random() < 0.3
        period = paid.isoformat() + (f"/{(paid + dt.timedelta(days=180)).isoformat()}"
                                     if staged else "")
        nature = "aide en nature" if i % 9 == 8 else "aide en numéraire"
        objet = rng.choice(OBJETS)
        if i == 11:
            objet = reg.hostile_cell(name, None, ref(6, r),
                                     '=HYPERLINK("http://exemple.invalid","clic")')
        siret = sirets[k].lstrip("0") if k == 5 else sirets[k]
        if k == 5 and "siret_sans_zero" not in notes:
            notes["siret_sans_zero"] = {"ligne": r, "ecrit": siret, "attendu": sirets[k]}
            _expect(notes, r, "idBeneficiaire", "idBeneficiaire", sirets[k])
        if i == 30:  # montant négatif : erreur « contrainte »
            amount = -2500.0
            reg.error(name, None, ref(7, r), "montant", "montant", "contrainte",
                      "Montant négatif : une subvention versée est un montant positif.", -2500.0)
        montant = f"{amount:.2f}" if amount % 1 else f"{amount:.0f}"
        if i in (3, 19):
            montant = fr_number(amount, 2)  # « 1 500,50 » correctement cité
        row = ["Ville de Clairval", ville, signed.isoformat(), f"DEL-2024-{40 + i:03d}",
               ASSOCIATIONS[k], siret, objet, montant, nature,
               "échelonné" if staged else "unique", period, "non"]
        if i in (7, 22, 41):  # montant à virgule décimale non cité : une colonne de trop
            amount = amount + 0.5 if amount % 1 == 0 else amount
            row[7] = f"{amount:.2f}".replace(".", ",")
            line = s.next_row
            s.rows.append(Raw(",".join(
                '"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) and j != 7 else v
                for j, v in enumerate(row))))
            notes["repaired_lines"].append(line)
            if i == 7:
                _expect(notes, line, "montant", "montant", amount)
            continue
        s.add(*row)
        if i == 3:
            _expect(notes, r, "montant", "montant", amount)
    notes["rows"] = 48
    notes["siret_attribuant"] = ville
    return write_csv(dest / name, s.rows, "utf-8", ",", "\n")


# --------------------------------------------------------------------------- médiathèques
BIBLIOTHEQUES = ["Médiathèque du Centre", "Bibliothèque des Aubiers", "Bibliothèque de Valmont"]


def build_mediatheques(dest: Path, reg: Registry) -> Path:
    """Xlsx à trois feuilles : « Prêts » (séparateurs d'année, en-têtes répétés, colonne
    obligatoire mal orthographiée, prêt négatif), « Fréquentation », « Notes »."""
    name = "culture/mediatheques_2023_2025.xlsx"
    rng = random.Random(204)
    prets = Sheet("Prêts", widths={"A": 16, "B": 28, "C": 18, "D": 15, "E": 18})
    prets.add("Réseau des médiathèques de Clairval — prêts mensuels par établissement")
    prets.add()
    header = ["Mois", "Bibliotèque", "Documents prêtés", "Dont jeunesse", "Nouveaux inscrits"]
    notes = reg.describe(name, "Culture", "prets_mediatheques", feuille="Prêts", header_row=4,
                         header_rows=1, dropped=[], entete_mal_orthographie={
                             "cellule": "B4", "valeur": "Bibliotèque",
                             "attendu": "Bibliothèque"})
    reg.error(name, "Prêts", None, "Bibliothèque", "bibliotheque", "colonne-manquante",
              "Colonne obligatoire « Bibliothèque » introuvable : l'en-tête B4 est écrit "
              "« Bibliotèque ».")
    rows = 0
    for year in (2023, 2024, 2025):
        line = prets.add(year)
        if year > 2023:
            notes["dropped"].append({"ligne": line, "motif": "séparateur", "texte": str(year)})
        line = prets.add(*header)
        prets.bold_rows.append(line)
        if year > 2023:
            notes["dropped"].append({"ligne": line, "motif": "en-tête répété", "texte": "Mois"})
        for month in month_starts(year, year):
            for k, lib in enumerate(BIBLIOTHEQUES):
                r = prets.next_row
                loans = int((5200, 2100, 1600)[k] * rng.uniform(0.8, 1.15)
                            * (0.7 if month.month == 8 else 1))
                youth = int(loans * rng.uniform(0.3, 0.45))
                if year == 2024 and month.month == 10 and k == 2:
                    loans = -12
                    reg.error(name, "Prêts", ref(2, r), "Documents prêtés", "documents_pretes",
                              "contrainte", "Nombre de prêts négatif (-12).", -12)
                prets.add(Fmt(month, "MMMM YYYY"), lib, loans, youth, rng.randint(5, 60))
                rows += 1
                if rows == 1:
                    _expect(notes, r, "Documents prêtés", "documents_pretes", loans)
    notes["rows"] = rows
    freq = Sheet("Fréquentation", widths={"A": 14, "B": 28, "C": 12, "D": 20})
    freq.add("Mois", "Établissement", "Entrées", "Heures d'ouverture")
    freq.bold_rows = [1]
    fnotes = reg.describe(name, "Culture", "frequentation_mediatheques", feuille="Fréquentation",
                          autre_feuille=True,
                          header_row=1, header_rows=1, rows=108)
    for month in month_starts():
        for k, lib in enumerate(BIBLIOTHEQUES):
            r = freq.add(month, lib, int((9800, 3900, 2700)[k] * rng.uniform(0.75, 1.1)),
                         (42.5, 28.0, 24.0)[k] * (0.6 if month.month == 8 else 1) * 4)
            if r == 2:
                _expect(fnotes, r, "Heures d'ouverture", "heures_ouverture", 170.0)
    info = Sheet("Notes", widths={"A": 100})
    for line in ("Export du logiciel de gestion de bibliothèque, fait le 10/01/2026.",
                 "Feuille « Prêts » : un bloc par année, l'année seule sur sa ligne puis "
                 "l'en-tête répété.",
                 "Les prêts de la bibliothèque de Valmont d'octobre 2024 sont à vérifier "
                 "(panne du logiciel).",
                 "Toutes les valeurs sont fictives."):
        info.add(line)
    return write_xlsx(dest / name, [prets, freq, info])


# --------------------------------------------------------------------------- RH
COMPETENCES = ["Tableur", "Analyse de données", "SIG", "Protection des données (RGPD)",
               "Programmation (Python, R)", "Visualisation"]
SERVICES_RH = [("Direction générale", "Secrétariat général"), ("DSI", "Systèmes d'information"),
               ("Finances", "Budget et comptabilité"), ("Aménagement", "Urbanisme"),
               ("Services techniques", "Patrimoine bâti"), ("Solidarités", "CCAS"),
               ("Culture", "Médiathèques"), ("Aménagement", "Mobilités")]
POSTES = ["Chargé(e) de mission", "Gestionnaire", "Responsable de service", "Technicien(ne)",
          "Assistant(e)", "Analyste"]


def build_competences(dest: Path, reg: Registry) -> Path:
    """Xlsx RH de données personnelles : agents, niveaux 1-4, une note hors limites (7)."""
    name = "rh/competences_agents.xlsx"
    sheet = "Compétences"
    rng = random.Random(205)
    s = Sheet(sheet, widths={"A": 10, "B": 16, "C": 12, "D": 20, "E": 24, "F": 24, "G": 34})
    s.add("Direction des ressources humaines — cartographie des compétences en données "
          "(campagne 2025)")
    s.add("Niveaux : 1 = notions, 2 = utilisateur, 3 = autonome, 4 = référent ; vide = non "
          "évalué")
    s.add()
    header = ["Matricule", "Nom", "Prénom", "Direction", "Service", "Poste", "Adresse e-mail",
              *COMPETENCES]
    s.add(*header)
    s.bold_rows = [4]
    reg.describe(name, "Ressources humaines", "competences_agents", header_row=4,
                 header_rows=1, donnees_personnelles=True, rows=36, feuille=sheet)
    used: set[tuple[str, str]] = set()
    for i in range(36):
        r = s.next_row
        last, first, _ = _person(rng, used)
        direction, service = SERVICES_RH[i % len(SERVICES_RH)]
        mail = reg.personal_value(f"{_ascii(first)}.{_ascii(last)}@exemple.fr")
        reg.personal_value(last)
        reg.personal_value(first)
        levels: list[object] = [rng.choice([1, 1, 2, 2, 2, 3, 3, 4, None]) for _ in COMPETENCES]
        if i == 12:
            levels[2] = 7
            reg.error(name, sheet, ref(9, r), "SIG", "sig", "contrainte",
                      "Niveau 7 hors de l'échelle 1 à 4.", 7)
        s.add(f"A{1040 + i * 7:04d}", last, first, direction, service, rng.choice(POSTES), mail,
              *levels)
    return write_xlsx(dest / name, [s])
