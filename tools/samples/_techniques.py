"""Fichiers d'exemple des services techniques : déchets, énergie, éclairage, parkings, eau.

Chaque fonction écrit un fichier dans ``dest`` et note dans le `Registry` les pièges posés (cellule
exacte) et ce que le chargeur doit en tirer. Toutes les valeurs sont fictives.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from tools.samples._io import (
    MONTHS_FR,
    Fmt,
    Registry,
    Sheet,
    col,
    fr_date,
    fr_number,
    month_starts,
    ref,
    write_csv,
    write_ods_sheets,
    write_xlsx,
)

CODE_INSEE = "07999"  # code fictif : aucune commune ne le porte
CODE_POSTAL = "07990"


def _expect(notes: dict, ligne: int, colonne: str, champ: str, valeur: object) -> None:
    notes.setdefault("valeurs", []).append(
        {"ligne": ligne, "colonne": colonne, "champ": champ, "valeur": valeur})


# --------------------------------------------------------------------------- déchets
def build_dechets(dest: Path, reg: Registry) -> Path:
    """CSV cp1252 « ; » : titre, ligne vide, sous-totaux mensuels, total, mois manquant, t → kg."""
    name = "dechets/tonnages_collecte_2023_2025.csv"
    rng = random.Random(101)
    s = Sheet("csv")
    s.add("Ville de Clairval — Tonnages collectés par flux et par tournée (régie de collecte)")
    s.add()
    header = ["Mois", "Flux", "Tournée", "Tonnage", "Unité", "Observations"]
    s.add(*header)
    flux = {"Ordures ménagères résiduelles": 440.0, "Emballages et papiers": 92.0,
            "Verre": 52.0, "Biodéchets": 34.0}
    notes = reg.describe(name, "Déchets", "collecte_dechets", header_row=3, header_rows=1,
                         encoding="cp1252", delimiter=";", mois_manquant="2024-08",
                         changement_unite={"flux": "Verre", "a_partir_de": "2025-01",
                                           "unite": "kg"}, dropped=[])
    total, rows = 0.0, 0
    for month in month_starts():
        if month == dt.date(2024, 8, 1):
            continue  # mois manquant (panne du pont-bascule)
        subtotal = 0.0
        season = 1.0 + 0.06 * (month.month in (6, 7, 12)) - 0.05 * (month.month == 8)
        for f, base in flux.items():
            if f == "Biodéchets" and month.year == 2023:
                continue  # collecte des biodéchets à partir de 2024
            for tour in ("Nord", "Sud"):
                t = round(base * season * rng.uniform(0.9, 1.1), 1)
                subtotal += t
                obs = ""
                if f == "Verre" and month.year == 2025:
                    value, unit = fr_number(t * 1000, 0), "kg"
                    if month.month == 1 and tour == "Nord":
                        obs = "Pesées transmises en kg par le nouveau prestataire"
                else:
                    value, unit = fr_number(t, 1), "t"
                if month.month == 5 and tour == "Sud" and f.startswith("Ordures"):
                    obs = "Jour férié : collecte reportée au samedi"
                negative = month == dt.date(2023, 10, 1) and tour == "Nord" and \
                    f.startswith("Emballages")
                if negative:  # tonnage négatif : une « régularisation » saisie en moins
                    value, obs = fr_number(-t, 1), "Régularisation de la pesée de septembre"
                    subtotal -= 2 * t
                line = s.add(fr_date(month), f, tour, value, unit, obs)
                if negative:
                    reg.error(name, None, ref(3, line), "Tonnage", "tonnage", "contrainte",
                              "Tonnage négatif : une quantité collectée ne peut pas être "
                              "négative.", fr_number(-t, 1))
                rows += 1
                if rows == 1:
                    _expect(notes, line, "Tonnage", "tonnage", t)
                if f == "Verre" and month == dt.date(2025, 3, 1) and tour == "Sud":
                    _expect(notes, line, "Tonnage", "tonnage", round(t * 1000, 0))
                    _expect(notes, line, "Unité", "unite", "kg")
        total += subtotal
        label = f"Sous-total {MONTHS_FR[month.month - 1]} {month.year}"
        line = s.add(label, "", "", fr_number(subtotal, 1), "t", "")
        notes["dropped"].append({"ligne": line, "motif": "total", "texte": label})
    line = s.add("Total général", "", "", fr_number(total, 1), "t", "")
    notes["dropped"].append({"ligne": line, "motif": "total", "texte": "Total général"})
    notes["rows"] = rows
    return write_csv(dest / name, s.rows, "cp1252", ";")


# --------------------------------------------------------------------------- énergie
BATIMENTS = [
    ("BAT-001", "Hôtel de ville", 4200, True),
    ("BAT-002", "École élémentaire Pasteur", 2650, True),
    ("BAT-003", "École maternelle Les Tilleuls", 1180, True),
    ("BAT-004", "Gymnase Jean Moulin", 3400, True),
    ("BAT-005", "Médiathèque du Centre", 1900, False),
    ("BAT-006", "Centre technique municipal", 2300, True),
]


def build_energie(dest: Path, reg: Registry) -> Path:
    """Xlsx : bloc de titre, en-tête sur deux lignes fusionnées, colonne vide, renommage, note."""
    name = "energie/consommations_batiments_2023_2025.xlsx"
    sheet_name = "Consommations"
    rng = random.Random(102)
    s = Sheet(sheet_name, widths={"A": 14, "B": 34, "C": 13, "D": 11, "E": 3, "F": 18, "G": 16,
                                  "H": 15})
    s.add("Ville de Clairval — Direction du patrimoine")
    s.add("Suivi des consommations d'énergie des bâtiments communaux")
    s.add("Export du portail fournisseur du 15/01/2026 à 08:42")
    s.add()
    s.add("Code bâtiment", "Bâtiment", "Surface (m²)", "Mois", None, "Consommation", None,
          "Coût TTC (€)")
    s.add(None, None, None, None, None, "Électricité (kWh)", "Gaz (kWh)", None)
    s.merges += ["A1:H1", "A2:H2", "A5:A6", "B5:B6", "C5:C6", "D5:D6", "F5:G5", "H5:H6"]
    s.bold_rows = [5, 6]
    notes = reg.describe(name, "Énergie des bâtiments", "consommations_batiments",
                         feuille=sheet_name, header_row=5, header_rows=2, colonne_vide="E",
                         renommage={"code": "BAT-004", "avant": "Gymnase Jean Moulin",
                                    "apres": "Complexe sportif Jean Moulin",
                                    "a_partir_de": "2024-07"},
                         nombres_en_texte=[], dropped=[])
    rows = 0
    for code, label, surface, gas in BATIMENTS:
        for month in month_starts():
            if code == "BAT-004" and month >= dt.date(2024, 7, 1):
                label = "Complexe sportif Jean Moulin"
            winter = month.month in (1, 2, 3, 11, 12)
            elec = round(surface * rng.uniform(5.5, 7.5) * (1.25 if not gas and winter else 1), 1)
            gaz = round(surface * rng.uniform(14, 20), 1) if gas and winter else (
                round(surface * rng.uniform(1.5, 3.0), 1) if gas else None)
            cost = round(elec * 0.21 + (gaz or 0) * 0.11, 2)
            r = s.next_row
            elec_cell: object = elec
            if rows % 23 == 5:  # nombre stocké comme texte, à la française
                elec_cell = fr_number(elec, 1)
                notes["nombres_en_texte"].append(ref(5, r))
                if len(notes["nombres_en_texte"]) == 1:
                    _expect(notes, r, "Consommation - Électricité (kWh)", "electricite_kwh",
                            elec)
            s.add(code, label, Fmt(surface, "#,##0"), Fmt(month, "MM/YYYY"), None, elec_cell,
                  gaz, Fmt(cost, "#,##0.00 €"))
            rows += 1
    s.add()
    notes["lignes_vides"] = [s.next_row - 1]
    for text in ("Source : portail fournisseur, extraction du 15/01/2026. Les consommations de "
                 "gaz de décembre 2025 sont estimées.",
                 "Le gymnase Jean Moulin a été renommé « Complexe sportif Jean Moulin » en "
                 "juillet 2024 (même code BAT-004)."):
        line = s.add(text)
        notes["dropped"].append({"ligne": line, "motif": "note", "texte": text})
    notes["rows"] = rows
    return write_xlsx(dest / name, [s])


# --------------------------------------------------------------------------- éclairage
VOIES = ["Rue des Tilleuls", "Avenue de la Gare", "Boulevard du Val d'Aurore", "Rue du Moulin",
         "Place du Marché", "Rue des Écoles", "Chemin des Vignes", "Allée des Peupliers",
         "Rue de la Cressonnière", "Avenue des Aubiers", "Rue Haute", "Quai de la Rivière",
         "Impasse des Lilas", "Rue du Stade", "Route de Valmont", "Place de l'Église"]
LUMINAIRES = ["Luminaire routier", "Lanterne de style", "Projecteur", "Boule", "Encastré de sol"]


def build_eclairage(dest: Path, reg: Registry) -> Path:
    """ODS : codes INSEE/postaux en nombres, identifiants en double, dates date/texte, oui/non."""
    name = "eclairage/points_lumineux.ods"
    rng = random.Random(103)
    s = Sheet("Points lumineux")
    s.add("Inventaire de l'éclairage public — Ville de Clairval")
    s.add("Marché global de performance énergétique — titulaire : Lumeo Services (société "
          "fictive) — mise à jour du 05/01/2026")
    s.add()
    s.add("Identifiant", "Code INSEE", "Code postal", "Voie", "Type de luminaire",
          "Puissance (W)", "Date d'installation", "LED", "Armoire")
    s.merges += ["A1:I1", "A2:I2"]
    notes = reg.describe(name, "Éclairage public", "points_lumineux",
                         feuille="Points lumineux", header_row=4,
                         header_rows=1, doublons=[], dates_en_texte=[])
    ids: list[str] = []
    for i in range(240):
        r = s.next_row
        pid = f"PL-{i + 1:05d}"
        if i in (57, 130, 201):  # identifiant en double
            pid = ids[i - 9 * (1 + i % 3)]
            first_row = 5 + ids.index(pid)
            notes["doublons"].append({"identifiant": pid, "ligne": r,
                                      "premiere_ligne": first_row})
            for line in (first_row, r):
                reg.error(name, s.name, ref(0, line), "Identifiant", "identifiant", "unicite",
                          f"Identifiant {pid} présent deux fois (lignes {first_row} et {r}).",
                          pid)
        ids.append(pid)
        led = rng.random() < 0.45
        year = rng.randint(2016, 2025) if led else rng.randint(1995, 2015)
        installed = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        power = rng.choice([18, 24, 30, 36, 45, 60]) if led else rng.choice([70, 100, 150, 250])
        date_cell: object = installed
        if i % 7 == 3:
            date_cell = fr_date(installed)
            notes["dates_en_texte"].append(ref(6, r))
            if len(notes["dates_en_texte"]) == 1:
                _expect(notes, r, "Date d'installation", "date_installation",
                        installed.isoformat())
        s.add(pid, int(CODE_INSEE), int(CODE_POSTAL), rng.choice(VOIES), rng.choice(LUMINAIRES),
              power, date_cell, "oui" if led else "non", f"AR-{rng.randint(1, 12):02d}")
        if i == 0:
            _expect(notes, r, "Code INSEE", "code_insee", CODE_INSEE)
            _expect(notes, r, "Code postal", "code_postal", CODE_POSTAL)
            _expect(notes, r, "LED", "led", led)
    notes["rows"] = 240
    info = Sheet("Notes")
    for line in ("Inventaire issu de l'outil de gestion du titulaire du marché (export ODS).",
                 "Code INSEE et code postal ont été saisis comme des nombres : le zéro initial "
                 "a disparu.",
                 "Certains identifiants figurent deux fois (points remplacés non supprimés).",
                 "Puissance : puissance nominale de la source, en watts.",
                 "Toutes les valeurs sont fictives."):
        info.add(line)
    return write_ods_sheets(dest / name, [s, info])


# --------------------------------------------------------------------------- parkings
PARKINGS = [("Parking de la Gare", 420), ("Parking Hôtel de Ville", 180),
            ("Parking des Halles", 260)]


def build_parkings(dest: Path, reg: Registry) -> Path:
    """CSV cp1252 « ; » : sous-totaux mensuels, « 87 % », espaces insécables, « nd » et « - »."""
    name = "mobilites/frequentation_parkings_2023_2025.csv"
    rng = random.Random(104)
    nb = "\u00a0"
    s = Sheet("csv")
    s.add("Date", "Parking", "Nombre de places", "Entrées", "Taux d'occupation moyen",
          "Recette (€)")
    notes = reg.describe(name, "Mobilités", "frequentation_parkings", header_row=1,
                         header_rows=1, encoding="cp1252", delimiter=";", dropped=[],
                         placeholders={"Entrées": 1, "Taux d'occupation moyen": 1,
                                       "Recette (€)": 3})
    rows = 0
    for month in month_starts():
        last = (month.replace(day=28) + dt.timedelta(days=4))
        last = last - dt.timedelta(days=last.day)
        tot_in, tot_rec, occ = 0, 0.0, []
        for park, places in PARKINGS:
            rate = rng.uniform(0.55, 0.95) * (0.8 if month.month == 8 else 1)
            entries = int(places * rate * rng.uniform(40, 55))
            recette = round(entries * rng.uniform(1.6, 2.4), 2)
            e_txt = fr_number(entries, 0, nb)
            t_txt = f"{round(rate * 100)}{nb}%"
            r_txt = fr_number(recette, 2, nb)
            if park == "Parking des Halles" and month.month == 8:
                r_txt = "-"  # gratuité estivale
                recette = 0.0
            if park == "Parking des Halles" and month == dt.date(2023, 3, 1):
                e_txt = "nd"  # compteur en panne
            if park == "Parking de la Gare" and month == dt.date(2024, 11, 1):
                t_txt = "nd"
            line = s.add(fr_date(last), park, places, e_txt, t_txt, r_txt)
            rows += 1
            if rows == 1:
                _expect(notes, line, "Entrées", "entrees", entries)
                _expect(notes, line, "Taux d'occupation moyen", "taux_occupation_moyen",
                        round(rate * 100) / 100)
                _expect(notes, line, "Recette (€)", "recette_eur", recette)
            tot_in += entries
            tot_rec += recette
            occ.append(rate)
        label = f"Sous-total {MONTHS_FR[month.month - 1]} {month.year}"
        line = s.add(label, "", sum(p for _, p in PARKINGS), fr_number(tot_in, 0, nb),
                     f"{round(100 * sum(occ) / 3)}{nb}%", fr_number(tot_rec, 2, nb))
        notes["dropped"].append({"ligne": line, "motif": "total", "texte": label})
    notes["rows"] = rows
    return write_csv(dest / name, s.rows, "cp1252", ";")


# --------------------------------------------------------------------------- eau
def build_eau(dest: Path, reg: Registry) -> Path:
    """Xlsx « façon PDF » du délégataire : zone de logo, notes au-dessus, % en texte, « n.c. »."""
    name = "eau/rendement_reseau_2019_2025.xlsx"
    rng = random.Random(105)
    s = Sheet("Indicateurs réseau", widths={"A": 3, "B": 10, "C": 20, "D": 22, "E": 16, "F": 18,
                                             "G": 22, "H": 16})
    for _ in range(3):
        s.add()  # zone réservée au logo du délégataire
    s.add(None, "Service public de l'eau potable — Ville de Clairval")
    s.add(None, "Rapport annuel du délégataire : indicateurs de performance du réseau")
    s.add()
    s.add(None, "Données transmises par le délégataire (Aquavia Services, société fictive) le "
          "28/02/2026. Valeurs non auditées par la collectivité.")
    s.add()
    header = ["Exercice", "Volume produit (m³)", "Volume consommé autorisé (m³)",
              "Linéaire de réseau (km)", "Rendement du réseau (%)",
              "Indice linéaire de pertes (m³/km/j)", "Nombre de fuites réparées"]
    s.add(None, *header)
    s.merges += ["B1:D3", "B4:H4", "B5:H5", "B7:H7"]
    s.bold_rows = [9]
    notes = reg.describe(name, "Eau et assainissement", "rendement_reseau_eau",
                         feuille=s.name, header_row=9,
                         header_rows=1, premiere_colonne="B", dropped=[],
                         placeholders={"Indice linéaire de pertes (m³/km/j)": 1,
                                       "Nombre de fuites réparées": 1}, pourcentages_en_texte=[])
    rendements = [0.762, 0.771, 0.779, 0.785, 0.794, 0.801, 0.806]
    for k, year in enumerate(range(2019, 2026)):
        r = s.next_row
        produced = round(2_650_000 * rng.uniform(0.97, 1.03))
        authorised = round(produced * rendements[k])
        length = round(184.0 + 1.3 * k, 1)
        ilp = round((produced - authorised) / length / 365, 2)
        rend: object = Fmt(rendements[k], "0.0%")
        if year in (2021, 2023):
            rend = f"{fr_number(rendements[k] * 100, 1)} %"
            notes["pourcentages_en_texte"].append(ref(5, r))
        if year == 2023:
            _expect(notes, r, "Rendement du réseau (%)", "rendement_reseau", rendements[k])
        s.add(None, year, Fmt(produced, "#,##0"), Fmt(authorised, "#,##0"), length, rend,
              "n.c." if year == 2019 else ilp,
              "n.c." if year == 2019 else rng.randint(38, 75))
        if year == 2025:
            _expect(notes, r, "Volume produit (m³)", "volume_produit_m3", produced)
    s.add()
    notes["lignes_vides"] = [s.next_row - 1]
    for text in ("(1) Rendement = (volume consommé autorisé + volume vendu en gros) / (volume "
                 "produit + volume acheté en gros), selon l'arrêté du 2 mai 2007.",
                 "(2) n.c. : non communiqué par le délégataire."):
        line = s.add(None, text)
        notes["dropped"].append({"ligne": line, "motif": "note", "texte": text})
    notes["rows"] = 7
    notes["columns"] = {h: col(i + 1) for i, h in enumerate(header)}
    return write_xlsx(dest / name, [s])


__all__ = ["build_dechets", "build_energie", "build_eclairage", "build_parkings", "build_eau",
           "CODE_INSEE", "CODE_POSTAL", "VOIES"]
