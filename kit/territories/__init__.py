"""Référentiel des territoires français : communes, EPCI, départements, régions.

Le kit embarque un extrait compact du Code officiel géographique (COG) de l'INSEE, tiré du
paquet ``@etalab/decoupage-administratif`` 6.0.0 (Licence Ouverte / Etalab) : voir
``kit/territories/data/README.md``. Ce module le charge et contrôle les codes saisis par les
utilisateurs : zéro initial perdu par un tableur (« 1004 » pour « 01004 »), Corse (« 2a004 »,
ou l'ancien « 20004 »), communes fusionnées depuis (ancien code → commune actuelle), codes
inconnus.

Examples
--------
>>> communes = load_territories("commune")
>>> communes.loc[communes["code"] == "2A004", ["nom", "dep", "reg"]].values.tolist()
[['Ajaccio', '2A', '94']]
>>> normalize_codes(["1004", "2b033", 7999.0]).tolist()
['01004', '2B033', '07999']
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kit.errors import DataError, KitError

logger = logging.getLogger(__name__)

__all__ = [
    "closest_communes",
    "LEVELS",
    "REFERENCE",
    "check_codes",
    "department_of",
    "load_former_codes",
    "load_territories",
    "normalize_codes",
    "require_known",
]

REFERENTIELS = Path(__file__).resolve().parent / "data"

#: Niveaux de territoire du référentiel et fichier correspondant.
LEVELS: dict[str, str] = {
    "commune": "communes.parquet",
    "epci": "epci.parquet",
    "departement": "departements.parquet",
    "region": "regions.parquet",
}

#: Provenance du référentiel (reprise dans les sources des graphiques).
REFERENCE: dict[str, str] = {
    "source": "INSEE, Code officiel géographique, via le paquet @etalab/decoupage-administratif "
              "6.0.0",
    "millesime": "2026",
    "licence": "Licence Ouverte / Etalab 2.0",
}

_CODE_LENGTH = {"commune": 5, "epci": 9, "departement": 2, "region": 2}

#: Colonnes de `check_codes`.
CHECK_COLUMNS = ["code_saisi", "code", "statut", "code_actuel", "nom", "detail"]


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise KitError(f"Niveau de territoire inconnu : {level!r}. Choisissez parmi "
                       f"{', '.join(repr(k) for k in LEVELS)}.")
    return level


@functools.lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    path = REFERENTIELS / name
    if not path.is_file():
        raise KitError(f"Le référentiel « {path} » est absent de l'installation du kit. "
                       "Réinstallez le kit, ou reconstruisez-le avec "
                       "`python -m tools.build_referentiels DOSSIER_DU_COG`.", path)
    df = pd.read_parquet(path)
    for col in ("population", "nb_communes"):
        if col in df.columns:
            df[col] = df[col].astype("Int64")
    return df


def load_territories(level: str = "commune") -> pd.DataFrame:
    """Territoires d'un niveau, d'après le Code officiel géographique embarqué.

    Parameters
    ----------
    level
        ``"commune"`` (communes actuelles, arrondissements municipaux exclus), ``"epci"``
        (EPCI à fiscalité propre), ``"departement"`` ou ``"region"``.

    Returns
    -------
    pandas.DataFrame
        Une ligne par territoire, codes en texte. Colonnes communes à tous les niveaux :
        ``code``, ``nom``, ``niveau``, ``type``, ``population`` ; selon le niveau : ``dep``,
        ``reg``, ``epci``, ``siren``, ``zone``, ``mode_financement``, ``nb_communes``.
        ``type`` vaut « commune », la forme juridique de l'EPCI (CC, CA, CU, METRO, MET69),
        « departement » ou « region ». La population est la population municipale INSEE du
        référentiel ; pour un EPCI, un département ou une région, la somme de celles de ses
        communes.

    Raises
    ------
    KitError
        Niveau inconnu ou fichier du référentiel absent.

    Examples
    --------
    >>> epci = load_territories("epci")
    >>> sorted(epci["type"].unique())
    ['CA', 'CC', 'CU', 'MET69', 'METRO']
    """
    df = _read(LEVELS[_check_level(level)]).copy()
    df.insert(2, "niveau", level)
    if level != "epci":
        df.insert(3, "type", level)
    else:
        df = df[["code", "nom", "niveau", "type", *[c for c in df.columns
                                                     if c not in ("code", "nom", "niveau",
                                                                  "type")]]]
    df.attrs["source"] = dict(REFERENCE)
    return df


def load_former_codes() -> pd.DataFrame:
    """Anciens codes de communes rattachés à la commune actuelle.

    Communes déléguées et associées (communes fusionnées dans une commune nouvelle) et
    arrondissements municipaux de Paris, Lyon et Marseille, avec le code et le nom de la
    commune actuelle. Les communes déléguées qui portent le même code que la commune nouvelle
    n'y figurent pas : leur code est toujours en vigueur.

    Returns
    -------
    pandas.DataFrame
        Colonnes ``code_ancien``, ``nom_ancien``, ``statut``, ``code_actuel``, ``nom_actuel``.

    Examples
    --------
    >>> anciens = load_former_codes().set_index("code_ancien")
    >>> anciens.loc["69152", ["nom_ancien", "code_actuel", "nom_actuel"]].tolist()
    ['Pierre-Bénite', '69149', 'Oullins-Pierre-Bénite']
    """
    return _read("anciens_codes.parquet").copy()


def _normalize_one(value: object, level: str) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper().replace("\u00a0", "").replace(" ", "")
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not text or text in ("NAN", "NA", "NONE"):
        return None
    width = _CODE_LENGTH[level]
    if text.isdigit() and len(text) == width - 1 and level in ("commune", "departement",
                                                               "region"):
        text = "0" + text  # zéro initial perdu par un tableur
    return text


def normalize_codes(codes: Iterable[object], level: str = "commune") -> pd.Series:
    """Remet les codes au format officiel, sans consulter le référentiel.

    Espaces retirés, lettres en majuscules (« 2b033 » → « 2B033 »), « 1004.0 » → « 1004 », et
    zéro initial rétabli quand il manque exactement un chiffre (« 1004 » → « 01004 » pour une
    commune, « 7 » → « 07 » pour un département, « 1 » → « 01 » pour une région). Les valeurs
    vides deviennent manquantes.

    Parameters
    ----------
    codes
        Codes tels que saisis (texte ou nombres).
    level
        Niveau des codes : ``"commune"``, ``"epci"``, ``"departement"`` ou ``"region"``.

    Returns
    -------
    pandas.Series
        Codes normalisés (texte), dans l'ordre reçu ; l'index d'une Series reçue est conservé.

    Examples
    --------
    >>> normalize_codes([" 01004 ", "1004", 1004, "2a004"]).tolist()
    ['01004', '01004', '01004', '2A004']
    >>> normalize_codes(["7", "2a", "971"], level="departement").tolist()
    ['07', '2A', '971']
    >>> normalize_codes(["1", "76"], level="region").tolist()
    ['01', '76']
    """
    _check_level(level)
    series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    values = series.astype(object)
    present = values.notna()
    mapping = {value: _normalize_one(value, level) for value in pd.unique(values[present])}
    out = pd.Series(None, index=series.index, dtype=object)
    out[present] = values[present].map(mapping)
    return out.astype("str")


def department_of(code: str) -> str:
    """Département d'une commune d'après son code INSEE (« 07999 » → « 07 »).

    Examples
    --------
    >>> [department_of(c) for c in ("07999", "2A004", "97105")]
    ['07', '2A', '971']
    """
    text = _normalize_one(code, "commune") or ""
    return text[:3] if text.startswith("97") or text.startswith("98") else text[:2]


def check_codes(codes: Iterable[object], level: str = "commune",
                known: Iterable[str] = ()) -> pd.DataFrame:
    """Contrôle des codes de territoire : corrigés, anciens, inconnus.

    Chaque code distinct reçoit un statut :

    - « valide » : code en vigueur, tel quel ;
    - « corrigé » : format rétabli (zéro initial, casse, espaces, ancien code corse « 20xxx »
      quand un seul code 2A/2B correspond) ;
    - « ancien code » : commune fusionnée depuis (commune déléguée ou associée) ou
      arrondissement municipal, rattaché à la commune actuelle (``code_actuel``) ;
    - « hors référentiel » : code absent du référentiel mais déclaré dans ``known`` (par
      exemple le code de la collectivité elle-même) ;
    - « inconnu » : code introuvable, à corriger dans le fichier source.

    Parameters
    ----------
    codes
        Codes tels que saisis (texte ou nombres).
    level
        Niveau des codes.
    known
        Codes à accepter bien qu'absents du référentiel.

    Returns
    -------
    pandas.DataFrame
        Une ligne par code distinct, colonnes ``code_saisi``, ``code`` (normalisé),
        ``statut``, ``code_actuel`` (code à utiliser, vide si inconnu), ``nom`` (nom actuel)
        et ``detail`` (explication en français).

    Examples
    --------
    >>> rapport = check_codes(["01004", "1004", "69152", "99999"])
    >>> for ligne in rapport[["code_saisi", "statut", "code_actuel"]].values.tolist():
    ...     print(ligne)
    ['01004', 'valide', '01004']
    ['1004', 'corrigé', '01004']
    ['69152', 'ancien code', '69149']
    ['99999', 'inconnu', None]
    """
    _check_level(level)
    raw = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes, dtype=object)
    raw = raw[raw.notna()]
    uniques = pd.unique(raw)
    current = load_territories(level).set_index("code")["nom"]
    known_set = {_normalize_one(k, level) for k in known}
    former = load_former_codes().set_index("code_ancien") if level == "commune" else None
    rows = []
    for value in uniques:
        shown = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        code = _normalize_one(value, level)
        if code is None:
            continue
        fixes = []
        if code != shown:
            fixes.append(f"« {shown} » lu « {code} »"
                         + (" (zéro initial rétabli)" if code.lstrip("0") == shown.strip()
                            .lstrip("0") and len(code) > len(shown.strip()) else ""))
        if level == "commune" and code not in current.index and code.isdigit() \
                and code.startswith("20") and len(code) == 5:
            candidates = [c for c in ("2A" + code[2:], "2B" + code[2:])
                          if c in current.index or (former is not None and c in former.index)]
            if len(candidates) == 1:
                fixes.append(f"ancien code corse « {code} » → « {candidates[0]} »")
                code = candidates[0]
        detail = " ; ".join(fixes)
        status = "corrigé" if fixes else "valide"
        if code in current.index:
            rows.append((shown, code, status, code, current[code], detail))
        elif former is not None and code in former.index:
            old = former.loc[code]
            text = (f"{code} ({old['nom_ancien']}, {old['statut']}) → {old['code_actuel']} "
                    f"{old['nom_actuel']}")
            rows.append((shown, code, "ancien code", old["code_actuel"], old["nom_actuel"],
                         "; ".join([*fixes, text])))
        elif code in known_set:
            rows.append((shown, code, "hors référentiel", code, None,
                         "; ".join([*fixes, "code déclaré par l'utilisateur"])))
        else:
            hint = ("la Corse est divisée en 2A et 2B depuis 1976" if level == "departement"
                    and code == "20" else "absent du Code officiel géographique "
                    f"{REFERENCE['millesime']} : vérifiez le code dans le fichier source")
            rows.append((shown, code, "inconnu", None, None, "; ".join([*fixes, hint])))
    report = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    report["code_actuel"] = report["code_actuel"].astype(object).where(
        report["code_actuel"].notna(), None)
    return report


def require_known(report: pd.DataFrame, what: str) -> None:
    """Lève `DataError` si ``report`` (sortie de `check_codes`) contient un code inconnu."""
    unknown = report.loc[report["statut"] == "inconnu", "code_saisi"].tolist()
    if unknown:
        raise DataError(f"{what} : code(s) inconnu(s) {', '.join(unknown[:20])}"
                        + (" …" if len(unknown) > 20 else "")
                        + ". Corrigez-les ou retirez-les de la liste.")


def closest_communes(code: str, name: object = None, n: int = 4) -> list[tuple[str, str]]:
    """Communes actuelles proches d'un code erroné : codes qui ne diffèrent que d'un caractère,
    puis communes au nom proche de `name` (« Ville de … » ignoré).

    Examples
    --------
    >>> ("01053", "Bourg-en-Bresse") in closest_communes("99999", "Bourg-en-Bresse")
    True
    """
    communes = load_territories("commune")
    names = dict(zip(communes["code"], communes["nom"]))
    found = [(c, names[c]) for c in names
             if len(c) == len(code) and sum(a != b for a, b in zip(c, code)) == 1][:n]
    if isinstance(name, str) and name.strip():
        short = re.sub(r"^(ville|commune|mairie)\s+(de\s+|d'|du\s+)?", "", name.strip(),
                       flags=re.IGNORECASE)
        by_name = {nom: c for c, nom in names.items()}
        for match in difflib.get_close_matches(short, list(by_name), n=3, cutoff=0.75):
            found.append((by_name[match], match))
    return list(dict.fromkeys(found))
