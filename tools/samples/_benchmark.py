"""Données d'exemple de l'étape 4 : indicateurs FICTIFS des communes réelles de la strate de
Clairval (35 000 à 49 999 habitants, strates démographiques de la DGF).

Les communes sont réelles (référentiel INSEE embarqué par le kit) ; toutes les valeurs sont
fictives, tirées au hasard avec une graine fixe : le même appel écrit les mêmes octets.
Pièges posés exprès (documentés dans le README écrit à côté des données et dans `TRAPS`) :
code sans zéro initial, Corse en minuscules, ancien code de commune fusionnée (rattachable, et
en conflit avec la commune nouvelle), code inconnu, valeur manquante, indicateur renseigné pour
trois pairs seulement.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from kit.benchmark import assign_strata
from kit.territories import load_territories

__all__ = ["TRAPS", "write_benchmark_samples"]

CODE_CLAIRVAL = "07999"
NOM_CLAIRVAL = "Clairval"
POPULATION_CLAIRVAL = 42_000
YEARS = list(range(2019, 2026))
SOURCE = "valeurs fictives à titre d'exemple, sur des communes réelles"

# indicateur, libellé, unité, sens, (médiane des pairs en 2019, dispersion relative,
# évolution annuelle), valeurs de Clairval 2019 → 2025
INDICATORS = [
    ("depenses_fonctionnement", "Dépenses réelles de fonctionnement par habitant", "€/hab",
     "baisse", (1450.0, 0.14, 0.022), [1382, 1371, 1405, 1448, 1497, 1512, 1526]),
    ("encours_dette", "Encours de dette au 31 décembre", "€", "baisse",
     (1100.0, 0.40, -0.012), [1660, 1641, 1598, 1552, 1503, 1461, 1424]),
    ("omr", "Ordures ménagères résiduelles collectées", "kg/hab", "baisse",
     (240.0, 0.13, -0.018), [262, 259, 255, 247, 241, 236, 229]),
    ("recyclage", "Taux de valorisation matière des déchets ménagers", "%", "hausse",
     (38.0, 0.15, 0.02), [33.1, 33.8, 34.6, 35.9, 37.0, 38.2, 39.4]),
    ("eclairage", "Consommation d'électricité de l'éclairage public par habitant", "kWh/hab",
     "baisse", (85.0, 0.25, -0.035), [92, 91, 89, 78, 69, 64, 61]),
    ("rendement_eau", "Rendement du réseau d'eau potable", "%", "hausse",
     (80.0, 0.06, 0.003), [76.2, 77.1, 77.9, 78.5, 79.4, 80.1, 80.6]),
]
# indicateur présent pour 3 pairs seulement (piège « trop peu de pairs »)
RARE = ("vehicules_electriques", "Part de véhicules électriques dans la flotte municipale", "%",
        "hausse")

#: Pièges posés, lus par les tests.
TRAPS = {
    "zero_initial_perdu": {"code_ecrit": "1053", "code": "01053", "nom": "Bourg-en-Bresse"},
    "corse_minuscules": {"code_ecrit": "2b033", "code": "2B033", "indicateur": "omr"},
    "ancien_code_rattachable": {"code_ecrit": "78251", "code": "78551", "annee": 2019,
                                "nom": "Fourqueux → Saint-Germain-en-Laye"},
    "ancien_code_en_conflit": {"code_ecrit": "69152", "code": "69149",
                               "indicateur": "rendement_eau", "annees": [2019, 2020, 2021,
                                                                          2022, 2023],
                               "nom": "Pierre-Bénite → Oullins-Pierre-Bénite"},
    "code_inconnu": {"code_ecrit": "69999"},
    "valeur_manquante": {"code": "42187", "indicateur": "recyclage", "annee": 2022},
    "indicateur_rare": {"indicateur": RARE[0], "pairs": ["26198", "38151", "74281"]},
    "collectivite": {"code": CODE_CLAIRVAL, "population": POPULATION_CLAIRVAL,
                     "hors_referentiel": True},
}


def _peers() -> list[tuple[str, str, int]]:
    communes = load_territories("commune")
    strate = assign_strata(communes["population"], "dgf")
    own = int(assign_strata(POPULATION_CLAIRVAL, "dgf").iloc[0])
    peers = communes[strate == own].sort_values("code")
    return [(r.code, r.nom, int(r.population)) for r in peers.itertuples()]


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def _decimals(unit: str) -> int:
    return 0 if unit == "€" else 1


def _rows() -> list[list[str]]:
    rng = random.Random(20250404)
    rows: list[list[str]] = []
    peers = _peers()
    for name, _label, unit, _sens, (median, spread, trend), clairval in INDICATORS:
        dec = _decimals(unit)
        factor = 1.0 if unit != "€" else POPULATION_CLAIRVAL
        for k, year in enumerate(YEARS):
            rows.append([CODE_CLAIRVAL, NOM_CLAIRVAL, name, str(year),
                         _fmt(clairval[k] * factor, dec)])
        for code, nom, pop in peers:
            base = median * (1 + spread * rng.gauss(0, 1))
            drift = trend + rng.gauss(0, abs(trend) / 2 + 0.004)
            for k, year in enumerate(YEARS):
                value = base * (1 + drift) ** k * (1 + rng.gauss(0, 0.01))
                if unit == "%":
                    value = min(value, 99.0)
                if unit == "€":
                    value *= pop
                written = code
                if code == "01053":
                    written = "1053"
                elif code == "2B033" and name == "omr":
                    written = "2b033"
                elif code == "78551" and year == 2019:
                    written = "78251"
                text = "" if (code, name, year) == ("42187", "recyclage", 2022) else \
                    _fmt(max(value, 0.0), dec)
                rows.append([written, nom, name, str(year), text])
                if code == "69149" and name == "rendement_eau" and year <= 2023:
                    rows.append(["69152", "Pierre-Bénite", name, str(year),
                                 _fmt(value * (1 + rng.gauss(0, 0.03)), dec)])
    for k, year in enumerate(YEARS[-3:]):
        rows.append([CODE_CLAIRVAL, NOM_CLAIRVAL, RARE[0], str(year), _fmt(6.0 + 3 * k, 1)])
        for code in TRAPS["indicateur_rare"]["pairs"]:
            nom = next(n for c, n, _ in peers if c == code)
            rows.append([code, nom, RARE[0], str(year), _fmt(rng.uniform(4, 18), 1)])
    rows.append(["69999", "Commune inconnue", "omr", "2024", _fmt(231.0, 1)])
    return rows


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


_README = """# Indicateurs de comparaison (étape 4) — valeurs fictives à titre d'exemple

**Toutes les valeurs de ce dossier sont fictives.** Les territoires sont réels : les {n}
communes françaises de la strate démographique de la DGF « 35 000 à 49 999 habitants » (celle de
Clairval), d'après le Code officiel géographique de l'INSEE embarqué par le kit
(`kit/territories/data/`). Aucune valeur ne décrit la situation réelle de ces communes : elles ont été
tirées au hasard (graine fixe) pour montrer la méthode. La « Ville de Clairval » (code `07999`,
42 000 habitants) est fictive et absente du référentiel.

Fichiers produits par `tools.samples._benchmark.write_benchmark_samples` (ne pas les modifier à
la main) :

- `indicateurs_pairs.csv` : table longue UTF-8, `;`, virgule décimale, colonnes
  `code ; nom ; indicateur ; annee ; valeur` ({rows} lignes, 2019–2025) ;
- `indicateurs_definitions.csv` : une ligne par indicateur (libellé, unité, sens souhaitable
  `hausse` ou `baisse`, source).

Indicateurs (unité, sens souhaitable) :

{indicators}

`encours_dette` est un montant total (€) : le notebook le rapporte à la population.

## Pièges posés exprès

- `1053` : Bourg-en-Bresse (`01053`) a perdu son zéro initial (export tableur) ;
- `2b033` : Bastia écrit en minuscules pour l'indicateur `omr` ;
- `78251` : Fourqueux, commune déléguée de Saint-Germain-en-Laye (`78551`) depuis 2019, porte les
  valeurs de 2019 : elles sont rattachées à la commune actuelle ;
- `69152` : Pierre-Bénite, fusionnée en 2024 dans Oullins-Pierre-Bénite (`69149`), a ses propres
  valeurs de rendement du réseau d'eau 2019–2023 alors que `69149` en a aussi : elles ne peuvent
  pas être additionnées et sont écartées ;
- `69999` : code inconnu ;
- une valeur manquante (`42187`, taux de valorisation, 2022) ;
- `vehicules_electriques` n'est renseigné que pour trois pairs (comparaison peu fiable).
"""


def write_benchmark_samples(dest: Path) -> list[Path]:
    """Écrit les indicateurs fictifs de comparaison dans ``dest / "benchmark"``.

    Parameters
    ----------
    dest
        Dossier des données d'exemple (``data/samples``).

    Returns
    -------
    list[Path]
        ``indicateurs_pairs.csv``, ``indicateurs_definitions.csv`` et ``README.md``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     chemins = write_benchmark_samples(Path(tmp))
    ...     [p.name for p in chemins]
    ['indicateurs_pairs.csv', 'indicateurs_definitions.csv', 'README.md']
    """
    folder = Path(dest) / "benchmark"
    folder.mkdir(parents=True, exist_ok=True)
    rows = _rows()
    values = folder / "indicateurs_pairs.csv"
    values.write_bytes(_csv(["code", "nom", "indicateur", "annee", "valeur"], rows))
    definitions = folder / "indicateurs_definitions.csv"
    defs = [[name, label, unit, sens, SOURCE] for name, label, unit, sens, *_ in INDICATORS]
    defs.append([*RARE, SOURCE])
    definitions.write_bytes(_csv(["indicateur", "libelle", "unite", "sens", "source"], defs))
    readme = folder / "README.md"
    names = "\n".join(f"- `{d[0]}` : {d[1].lower()} ({d[2]}, {d[3]})" for d in defs)
    readme.write_text(_README.format(n=len(_peers()), rows=len(rows), indicators=names),
                      encoding="utf-8", newline="\n")
    return [values, definitions, readme]
