"""Comparer la collectivité avec des territoires qui lui ressemblent (étape 4).

Trois temps, chacun par une fonction pure (DataFrame en entrée, DataFrame en sortie) :

1. **le profil** de la collectivité (`profile_from_config`) : code, population, département,
   région — la collectivité peut être absente du référentiel (commune fictive, code récent) ;
2. **le groupe de pairs** (`select_peers`) : même strate de population (DGF ou OFGL), même
   type, même département ou région, liste de codes, plus proches voisins sur des variables
   centrées réduites ; les critères se combinent. Le groupe garde en ``attrs`` ses critères et
   sa taille (`peer_group_summary`) ; un groupe de moins de 5 pairs émet un
   `SmallGroupWarning` ;
3. **la position** (`position`, `compare_evolution`, `peer_trend`, `peer_values`,
   `comparison_table`) : rang, percentile, quartile, écart à la médiane, score z, évolution.

Pour positionner d'un coup toutes les communes de France dans leur strate, `position_all`
trie chaque strate × indicateur × année à part (numpy, sur tous les cœurs) : 17,5 millions de
valeurs en quelques secondes ; DuckDB prend le relais pour les volumes hors mémoire.

Les avertissements sont des `BenchmarkWarning` (module `warnings`) ; les lignes écartées des
données figurent dans ``attrs["anomalies"]`` (voir `anomalies`).

Examples
--------
>>> profil = {"code": "07999", "nom": "Clairval", "niveau": "commune", "type": "commune",
...           "population": 42000, "dep": "07", "reg": "84"}
>>> pairs = select_peers(profil, strata="dgf", same="region")
>>> len(pairs)
14
>>> print(pairs.attrs["description"])  # doctest: +NORMALIZE_WHITESPACE
Clairval comparée à 14 communes : même strate DGF (35 000 à 49 999 habitants) ;
même région (Auvergne-Rhône-Alpes).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit._format import fmt_number
from kit.benchmark._common import (
    MIN_PEERS,
    BenchmarkWarning,
    SmallGroupWarning,
    profile_of,
    warn,
)
from kit.benchmark._data import (
    anomalies,
    check_indicators,
    indicator_catalog,
    load_indicators,
    per_inhabitant,
)
from kit.benchmark._definitions import definitions_table
from kit.benchmark._duckdb import summarize_groups
from kit.benchmark._engine import POSITION_COLUMNS, position_all
from kit.benchmark._open_data import commune_code, detect_source, load_sources, read_open_data
from kit.benchmark._position import (
    better_than_median,
    compare_evolution,
    comparison_table,
    peer_trend,
    peer_values,
    position,
    reliable_positions,
)
from kit.benchmark._strata import STRATA, assign_strata, strata_table, stratum_label
from kit.errors import DataError, KitError
from kit.territories import check_codes, department_of, load_territories
from kit.workspace import section_paths

logger = logging.getLogger(__name__)

__all__ = [
    "POSITION_COLUMNS",
    "STRATA",
    "BenchmarkWarning",
    "SmallGroupWarning",
    "anomalies",
    "assign_strata",
    "check_indicators",
    "commune_code",
    "compare_evolution",
    "comparison_table",
    "definitions_table",
    "detect_source",
    "indicator_catalog",
    "indicator_matrix",
    "load_from_config",
    "load_indicators",
    "peer_group_summary",
    "peer_trend",
    "peer_values",
    "per_inhabitant",
    "population_of",
    "position",
    "position_all",
    "profile_from_config",
    "better_than_median",
    "read_open_data",
    "reliable_positions",
    "select_peers",
    "strata_table",
    "stratum_label",
    "summarize_groups",
]

_SAME = {"type": "type", "departement": "dep", "region": "reg", "epci": "epci"}
_SAME_LABEL = {"type": "même type", "departement": "même département",
               "region": "même région", "epci": "même EPCI"}
_PLURAL = {"commune": "communes", "epci": "EPCI", "departement": "départements",
           "region": "régions"}
_FEMININE = {"commune": True, "epci": False, "departement": False, "region": True}


def load_from_config(config: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """Profil de la collectivité et table longue des indicateurs, d'après la section
    ``benchmark`` de la configuration (clés ``indicateurs`` et, facultative,
    ``definitions``) : les mêmes fichiers servent au notebook 04 et au comité de pilotage.

    Avec ``sources`` (liste de fichiers publiés : ``fichier``, ``source`` ofgl / dgfip / dgcl
    / autre, ``colonnes``, ``indicateurs``, ``budgets``…), chaque fichier est lu par
    `read_open_data` et les tables sont réunies (colonne ``source``) ; ``indicateurs`` devient
    facultatif. Voir data/samples/README.md.

    Raises
    ------
    ConfigError
        Section ou clé absente, fichier introuvable.
    """

    section = config.get("benchmark")
    if isinstance(section, dict) and section.get("sources"):

        profile = profile_from_config(config)
        return profile, load_sources(config, known=[profile["code"]])
    _, paths = section_paths(config, "benchmark", {
        "indicateurs": "table longue des indicateurs des territoires"}, ("definitions",))
    profile = profile_from_config(config)
    values = load_indicators(paths["indicateurs"], definitions=paths.get("definitions"),
                             known=[profile["code"]])
    return profile, values


def profile_from_config(config: dict[str, Any], *, level: str | None = None) -> dict[str, Any]:
    """Profil de la collectivité à comparer, d'après sa configuration.

    La collectivité n'a pas besoin de figurer dans le référentiel (commune fictive de
    l'exemple, code créé depuis le millésime du référentiel) : population, département et
    région viennent alors de la configuration, ou du code (« 07999 » → département 07).

    Parameters
    ----------
    config
        Configuration lue par `kit.workspace.load_config` : clés ``code_insee`` (ou
        ``code``), ``nom``, ``population`` ; facultatives : ``niveau``, ``type``,
        ``departement``, ``region``, ``epci`` (code SIREN).
    level
        Niveau de la collectivité si la configuration ne le dit pas (``"commune"`` par
        défaut).

    Returns
    -------
    dict
        Clés ``code``, ``nom``, ``niveau``, ``type``, ``population``, ``dep``, ``reg``,
        ``epci``, ``dans_referentiel``.

    Raises
    ------
    KitError
        Code ou population absents de la configuration et du référentiel.

    Examples
    --------
    >>> p = profile_from_config({"code_insee": "07999", "nom": "Ville de Clairval",
    ...                          "population": 42000})
    >>> p["dep"], p["reg"], p["dans_referentiel"]
    ('07', '84', False)
    """
    level = level or str(config.get("niveau") or "commune")
    raw_code = config.get("code_insee") or config.get("code") or config.get("siren")
    if not raw_code:
        raise KitError("La configuration ne donne pas le code de la collectivité : ajoutez "
                       "`code_insee: '01234'` (entre apostrophes, pour garder le zéro).")
    report = check_codes([raw_code], level=level)
    row = report.iloc[0]
    code = row["code_actuel"] or row["code"]
    ref = load_territories(level).set_index("code")
    known = code in ref.index
    base = ref.loc[code].to_dict() if known else {}
    population = config.get("population", base.get("population"))
    if population is None or pd.isna(population):
        raise KitError(f"Population de la collectivité {code} inconnue : ajoutez "
                       "`population: 12345` à la configuration.")
    dep = config.get("departement") or base.get("dep")
    if not dep and level == "commune":
        dep = department_of(code)
    deps = load_territories("departement").set_index("code")
    reg = config.get("region") or base.get("reg") or (
        deps.loc[dep, "reg"] if dep in deps.index else None)
    if level == "region":
        reg = code
    if level == "departement":
        dep = code
    profile = {
        "code": code,
        "nom": str(config.get("nom") or base.get("nom") or code),
        "niveau": level,
        "type": str(config.get("type") or base.get("type") or level),
        "population": int(population),
        "dep": None if dep is None else str(dep),
        "reg": None if reg is None else str(reg),
        "epci": config.get("epci") if isinstance(config.get("epci"), str) else base.get("epci"),
        "dans_referentiel": bool(known),
    }
    if not known:
        logger.info("%s (%s) absente du référentiel : profil tiré de la configuration",
                    profile["nom"], code)
    return profile


def _criterion_same(peers: pd.DataFrame, profile: dict, key: str) -> tuple[pd.DataFrame, str]:
    if key not in _SAME:
        raise KitError(f"Critère « {key} » inconnu pour `same` : choisissez parmi "
                       f"{', '.join(_SAME)}.")
    column = _SAME[key]
    value = profile.get(column)
    if value in (None, "") or column not in peers.columns:
        raise KitError(f"Critère « {key} » impossible : le profil de {profile['nom']} n'a pas "
                       f"de {column} (ajoutez-le à la configuration) ou les territoires de "
                       f"niveau {profile['niveau']} n'en ont pas.")
    names = {"departement": load_territories("departement").set_index("code")["nom"],
             "region": load_territories("region").set_index("code")["nom"]}
    shown = names[key].get(value, value) if key in names else value
    return peers[peers[column] == value], f"{_SAME_LABEL[key]} ({shown})"


def _nearest(peers: pd.DataFrame, profile: dict, variables: Sequence[str], k: int,
             features: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    table = peers
    own: dict[str, float] = {}
    if features is not None:
        feats = features.reset_index() if "code" not in features.columns else features
        wanted = [v for v in variables if v in feats.columns]
        table = peers.drop(columns=[c for c in wanted if c in peers.columns]).merge(
            feats[["code", *wanted]], on="code", how="left")
        own_rows = feats[feats["code"] == profile["code"]]
        if len(own_rows):
            own = {v: own_rows.iloc[0][v] for v in wanted}
    missing = [v for v in variables if v not in table.columns]
    if missing:
        raise KitError(f"Variable(s) inconnue(s) pour les plus proches voisins : "
                       f"{', '.join(missing)}. Utilisez une colonne des territoires (population) "
                       "ou passez-les dans `features` (une colonne par variable, une ligne par "
                       "code).")
    values = {v: profile.get(v, own.get(v)) for v in variables}
    absent = [v for v, x in values.items() if x is None or pd.isna(x)]
    if absent:
        raise KitError(f"Valeur de {', '.join(absent)} inconnue pour {profile['nom']} : "
                       "ajoutez-la au profil ou à `features`.")
    matrix = table[list(variables)].apply(pd.to_numeric, errors="coerce")
    complete = matrix.notna().all(axis=1)
    if not complete.all():
        warn(f"{int((~complete).sum())} territoire(s) écarté(s) des plus proches voisins : "
             f"valeur manquante pour {', '.join(variables)}.")
    table, matrix = table[complete], matrix[complete]
    target = np.array([float(values[v]) for v in variables])
    both = np.vstack([matrix.to_numpy(float), target])
    # centrer ne change pas les distances entre points : seul l'écart-type sert
    std = both.std(axis=0, ddof=1)
    std[~(std > 0)] = 1.0
    distance = np.sqrt((((matrix.to_numpy(float) - target) / std) ** 2).sum(axis=1))
    table = table.assign(distance=distance).sort_values(["distance", "code"], kind="stable")
    text = (f"les {k} plus proches sur {', '.join(variables)} (variables centrées réduites, "
            "distance euclidienne)")
    return table.head(k), text


def select_peers(profile: dict[str, Any], territories: pd.DataFrame | None = None, *,
                 strata: str | None = "dgf", same: str | Sequence[str] = (),
                 codes: Sequence[str] | None = None, nearest: Sequence[str] | None = None,
                 k: int = 20, features: pd.DataFrame | None = None,
                 min_peers: int = MIN_PEERS) -> pd.DataFrame:
    """Groupe de pairs de la collectivité : critères combinés (tous doivent être remplis).

    Parameters
    ----------
    profile
        Profil de la collectivité (`profile_from_config`).
    territories
        Territoires candidats ; par défaut le référentiel du niveau de la collectivité.
    strata
        Découpage en strates de population (``"dgf"``, ``"ofgl"``, ``"epci"``,
        ``"departement"``) : pairs de la même strate ; ``None`` pour ne pas filtrer.
    same
        Caractéristiques partagées : ``"type"`` (forme juridique d'un EPCI),
        ``"departement"``, ``"region"``, ``"epci"``.
    codes
        Liste de codes choisie par l'utilisateur (codes inconnus signalés, anciens codes
        rattachés à la commune actuelle).
    nearest
        Variables des plus proches voisins (colonnes des territoires, comme ``population``,
        ou de ``features``), centrées réduites ; appliqué après les autres critères.
    k
        Nombre de plus proches voisins gardés.
    features
        Variables supplémentaires par code (une colonne par variable), par exemple les
        indicateurs d'une année mis en colonnes.
    min_peers
        En dessous, un `SmallGroupWarning` est émis.

    Returns
    -------
    pandas.DataFrame
        Une ligne par pair (la collectivité exclue) : ``code``, ``nom``, ``type``,
        ``population``, ``dep``, ``reg``… plus ``strate`` et ``distance`` selon les critères.
        ``attrs`` : ``profile``, ``criteres`` (liste), ``description`` (phrase),
        ``strates`` (découpage utilisé), ``codes_controle`` (contrôle des codes saisis).

    Raises
    ------
    DataError
        Aucun territoire ne remplit les critères.
    KitError
        Critère inconnu ou impossible pour ce profil.
    """
    level = profile.get("niveau", "commune")
    peers = load_territories(level) if territories is None else territories.copy()
    peers = peers[peers["code"] != profile["code"]]
    criteria: list[str] = []
    codes_report = None
    if codes is not None:
        codes_report = check_codes(list(codes), level=level,
                                   known=peers["code"].astype(str).tolist())
        unknown = codes_report.loc[codes_report["statut"] == "inconnu", "code_saisi"].tolist()
        if unknown:
            warn(f"Code(s) inconnu(s) dans la liste de pairs, ignoré(s) : {', '.join(unknown)}.")
        old = codes_report[codes_report["statut"] == "ancien code"]
        if len(old):
            warn("Ancien(s) code(s) remplacé(s) par la commune actuelle : "
                 + " ; ".join(old["detail"]) + ".")
        wanted = set(codes_report["code_actuel"].dropna())
        peers = peers[peers["code"].isin(wanted)]
        criteria.append(f"liste de {len(wanted)} code(s) choisie par l'utilisateur")
    if strata is not None:
        scheme = STRATA.get(strata)
        if scheme is None:
            strata_table(strata)  # lève l'erreur explicite
        if scheme.level != level:
            raise KitError(f"Les {scheme.title} concernent le niveau « {scheme.level} », pas "
                           f"« {level} » : choisissez "
                           f"{', '.join(k for k, s in STRATA.items() if s.level == level)}.")
        own = int(assign_strata(profile["population"], strata).iloc[0])
        peers = peers.assign(strate=assign_strata(peers["population"], strata))
        peers = peers[peers["strate"] == own]
        criteria.append(f"même strate {_scheme_short(strata)} ({stratum_label(own, strata)})")
    for key in [same] if isinstance(same, str) else list(same):
        peers, text = _criterion_same(peers, profile, key)
        criteria.append(text)
    if nearest:
        peers, text = _nearest(peers, profile, list(nearest), k, features)
        criteria.append(text)
    elif "population" in peers.columns:
        peers = peers.sort_values(["population", "code"], ascending=[False, True],
                                  kind="stable")
    peers = peers.reset_index(drop=True)
    plural = _PLURAL.get(level, level)
    compared = "comparée" if _FEMININE.get(level, True) else "comparé"
    description = (f"{profile['nom']} {compared} à {len(peers)} {plural} : "
                   + " ; ".join(criteria or ["tous les territoires du même niveau"]) + ".")
    if peers.empty:
        raise DataError(f"Aucun territoire ne remplit tous les critères ({'; '.join(criteria)})."
                        " Assouplissez-les : strate OFGL plus large, région au lieu du "
                        "département, ou plus proches voisins.")
    if len(peers) < min_peers:
        warn(f"Groupe de comparaison très petit : {len(peers)} pair(s) seulement (minimum "
             f"conseillé : {min_peers}). Rangs et percentiles n'ont guère de sens ; "
             "assouplissez les critères.", SmallGroupWarning)
    peers.attrs = {"profile": dict(profile), "criteres": criteria, "description": description,
                   "strates": strata, "codes_controle": codes_report}
    return peers


def _scheme_short(strata: str) -> str:
    return {"dgf": "DGF", "ofgl": "OFGL", "epci": "d'EPCI", "departement": "de départements"
            }.get(strata, strata)


def peer_group_summary(peers: pd.DataFrame) -> pd.DataFrame:
    """Le groupe de comparaison en quelques lignes, à montrer avant tout résultat.

    Returns
    -------
    pandas.DataFrame
        Colonnes « élément » et « valeur » : collectivité, critères, nombre de pairs,
        populations (minimum, médiane, maximum), départements et régions représentés.
    """
    profile = profile_of(peers, None)
    pop = pd.to_numeric(peers.get("population"), errors="coerce") if "population" in \
        peers.columns else pd.Series(dtype=float)
    rows = [
        ("Collectivité", f"{profile['nom']} ({profile['code']}), "
                         f"{fmt_number(profile['population'], 0)} habitants"),
        ("Critères", " ; ".join(peers.attrs.get("criteres") or ["aucun"])),
        ("Nombre de pairs", str(len(peers))),
    ]
    if pop.notna().any():
        rows.append(("Population des pairs", f"de {fmt_number(pop.min(), 0)} à "
                     f"{fmt_number(pop.max(), 0)} habitants (médiane "
                     f"{fmt_number(pop.median(), 0)})"))
    for col, label in (("dep", "Départements représentés"), ("reg", "Régions représentées")):
        if col in peers.columns:
            rows.append((label, str(peers[col].nunique())))
    if len(peers) < MIN_PEERS:
        rows.append(("Attention", f"moins de {MIN_PEERS} pairs : comparaison peu fiable"))
    return pd.DataFrame(rows, columns=["élément", "valeur"])


def indicator_matrix(values: pd.DataFrame, year: int) -> pd.DataFrame:
    """Indicateurs d'une année mis en colonnes (une ligne par code), pour `select_peers`.

    Examples
    --------
    >>> v = pd.DataFrame({"code": ["a", "a", "b"], "indicateur": ["x", "y", "x"],
    ...                   "annee": 2024, "valeur": [1.0, 2.0, 3.0]})
    >>> indicator_matrix(v, 2024).to_dict("index")
    {'a': {'x': 1.0, 'y': 2.0}, 'b': {'x': 3.0, 'y': nan}}
    """
    data = values[values["annee"] == int(year)]
    if data.empty:
        raise DataError(f"Aucune valeur pour l'année {year} dans la table des indicateurs.")
    wide = data.pivot_table(index="code", columns="indicateur", values="valeur",
                            aggfunc="first")
    wide.columns.name = None
    return wide


def population_of(peers: pd.DataFrame, profile: dict[str, Any] | None = None) -> pd.Series:
    """Population par code : les pairs et la collectivité (pour `per_inhabitant`)."""
    own = profile_of(peers, profile)
    pop = peers.set_index("code")["population"]
    return pd.concat([pop, pd.Series({own["code"]: own["population"]})]).astype(float)
