"""Table longue des indicateurs de comparaison : chargement et contrôle.

Format attendu (une ligne par territoire, indicateur et année) ::

    code ; indicateur ; annee ; valeur [; libelle ; unite ; sens ; source]

``sens`` dit ce qui est souhaitable : « hausse » (plus haut = mieux, par exemple un taux de
recyclage), « baisse » (plus bas = mieux, par exemple des kg d'ordures ménagères par habitant)
ou vide (pas de sens, par exemple une population).

Le contrôle ne corrige rien en silence : chaque ligne écartée ou modifiée figure dans
``attrs["anomalies"]`` (ligne du fichier, code saisi, problème, action), que `anomalies`
renvoie sous forme de tableau.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from kit._parse import column_index, normalize_label
from kit.errors import DataError
from kit.io import load_table, read_cells
from kit.territories import check_codes

logger = logging.getLogger(__name__)

__all__ = ["ANOMALY_COLUMNS", "anomalies", "check_indicators", "indicator_catalog",
           "load_indicators", "per_inhabitant"]

REQUIRED = ("code", "indicateur", "annee", "valeur")
OPTIONAL = ("libelle", "unite", "sens", "source")
_SYNONYMS = {
    "code": ("code", "code_insee", "codgeo", "code_commune", "code_territoire", "territoire",
             "code_collectivite", "siren", "code_epci", "code_departement", "code_region"),
    "indicateur": ("indicateur", "indicator", "agregat", "variable"),
    "annee": ("annee", "exercice", "year", "millesime"),
    "valeur": ("valeur", "value", "montant"),
    "libelle": ("libelle", "libelle_indicateur", "label", "nom_indicateur"),
    "unite": ("unite", "unit"),
    "sens": ("sens", "sens_souhaitable", "direction"),
    "source": ("source", "sources"),
}
_DIRECTIONS = {"hausse": "hausse", "+": "hausse", "haut": "hausse", "plus": "hausse",
               "croissant": "hausse", "baisse": "baisse", "-": "baisse", "bas": "baisse",
               "moins": "baisse", "decroissant": "baisse", "": "", "neutre": "", "aucun": ""}

#: Colonnes du tableau des anomalies.
ANOMALY_COLUMNS = ["ligne", "code_saisi", "indicateur", "annee", "probleme", "action"]


def _rename(df: pd.DataFrame) -> pd.DataFrame:
    found: dict[str, str] = {}
    for col in df.columns:
        key = normalize_label(col)
        for target, names in _SYNONYMS.items():
            if key in names and target not in found.values():
                found[col] = target
                break
    return df.rename(columns=found)


def _direction(value: object) -> str | None:
    text = normalize_label(value) if isinstance(value, str) else ""
    if isinstance(value, str) and value.strip() in ("+", "-"):
        text = value.strip()
    return _DIRECTIONS.get(text)


def check_indicators(values: pd.DataFrame, *, level: str = "commune",
                     known: tuple[str, ...] | list[str] = (),
                     definitions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Contrôle et met au propre une table longue d'indicateurs.

    - codes : normalisés (zéro initial, Corse, casse) ; ancien code d'une commune fusionnée
      remplacé par celui de la commune actuelle s'il est la seule source de la valeur ; sinon
      (la commune actuelle a aussi une valeur, ou plusieurs anciennes communes), ligne écartée :
      une valeur par habitant ne s'additionne pas ; codes inconnus écartés ;
    - années entières ; valeurs numériques (une valeur vide ou non numérique est écartée) ;
    - doublons (code, indicateur, année) : gardés une fois s'ils sont identiques, écartés
      sinon ;
    - ``sens`` : « hausse », « baisse » ou vide, un seul par indicateur.

    Parameters
    ----------
    values
        Table longue (colonnes ``code``, ``indicateur``, ``annee``, ``valeur`` ou synonymes
        courants : ``code_insee``, ``exercice``, ``montant``…).
    level
        Niveau des territoires : ``"commune"``, ``"epci"``, ``"departement"``, ``"region"``.
    known
        Codes acceptés bien qu'absents du référentiel (le code de la collectivité).
    definitions
        Définition des indicateurs, une ligne par indicateur (``indicateur``, ``libelle``,
        ``unite``, ``sens``, ``source``), si la table longue ne les porte pas.

    Returns
    -------
    pandas.DataFrame
        Colonnes ``code``, ``indicateur``, ``annee`` (entier), ``valeur`` (nombre),
        ``libelle``, ``unite``, ``sens`` ; ``attrs["anomalies"]`` (lignes écartées ou
        modifiées), ``attrs["codes"]`` (contrôle des codes) et ``attrs["source_texte"]``.

    Raises
    ------
    DataError
        Colonne obligatoire absente, table vide, ou sens contradictoires pour un indicateur.

    Examples
    --------
    >>> brut = pd.DataFrame({"code_insee": ["1053", "01053", "99999"],
    ...                      "indicateur": "omr", "annee": [2024, 2023, 2024],
    ...                      "valeur": [210.0, 215.0, 180.0]})
    >>> propre = check_indicators(brut)
    >>> propre[["code", "annee", "valeur"]].values.tolist()
    [['01053', 2023, 215.0], ['01053', 2024, 210.0]]
    >>> for probleme in anomalies(propre)["probleme"]:
    ...     print(probleme)  # doctest: +NORMALIZE_WHITESPACE
    code corrigé : « 1053 » lu « 01053 » (zéro initial rétabli)
    code inconnu : absent du Code officiel géographique 2026 :
    vérifiez le code dans le fichier source
    """
    df = _rename(values)
    if definitions is not None:
        df = _merge_definitions(df, definitions)
    where = values.attrs.get("source", {}).get("file") if isinstance(
        values.attrs.get("source"), dict) else None
    label = f"« {Path(where).name} »" if where else "la table des indicateurs"
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataError(
            f"Colonne(s) obligatoire(s) absente(s) de {label} : {', '.join(missing)}. Colonnes "
            f"lues : {', '.join(map(str, values.columns))}. Le format attendu est une ligne par "
            "territoire, indicateur et année : code ; indicateur ; annee ; valeur.", where)
    if df.empty:
        raise DataError(f"{label.capitalize()} ne contient aucune ligne.", where)
    df = df[[c for c in (*REQUIRED, *OPTIONAL) if c in df.columns]].copy()
    df["ligne"] = values.index if values.index.name == "ligne" else range(2, len(df) + 2)
    df["code_saisi"] = df["code"].map(lambda v: "" if pd.isna(v) else (
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
    problems: list[dict[str, Any]] = []

    def flag(rows: pd.DataFrame, problem: str, action: str) -> None:
        for r in rows.itertuples(index=False):
            problems.append({"ligne": r.ligne, "code_saisi": r.code_saisi,
                             "indicateur": r.indicateur, "annee": r.annee,
                             "probleme": problem, "action": action})

    # codes
    report = check_codes(df["code"], level=level, known=known)
    by_input = report.set_index("code_saisi")
    df["code"] = df["code_saisi"].map(by_input["code_actuel"])
    status = df["code_saisi"].map(by_input["statut"])
    detail = df["code_saisi"].map(by_input["detail"])
    empty = df["code_saisi"].str.strip() == ""
    flag(df[empty], "code vide", "ligne écartée")
    for st, problem, action in (("corrigé", "code corrigé : ", "code remplacé"),
                                ("inconnu", "code inconnu : ", "ligne écartée")):
        sel = df[status == st]
        for d, rows in sel.groupby(detail[status == st], sort=False):
            flag(rows, problem + d, action)
    # années et valeurs
    annee = pd.to_numeric(df["annee"], errors="coerce")
    bad_year = annee.isna() | (annee != annee.round())
    flag(df[bad_year & ~empty], "année illisible", "ligne écartée")
    df["annee"] = annee.where(~bad_year).astype("Int64")
    raw = df["valeur"]
    valeur = pd.to_numeric(raw, errors="coerce")
    blank = raw.isna() | raw.astype(str).str.strip().isin(["", "nan", "NaN", "<NA>"])
    flag(df[blank & ~empty], "valeur manquante", "ligne écartée")
    flag(df[valeur.isna() & ~blank & ~empty], "valeur non numérique", "ligne écartée")
    df["valeur"] = valeur.astype(float)
    keep = ~empty & df["code"].notna() & ~bad_year & df["valeur"].notna()
    df = df[keep]
    # anciens codes (communes fusionnées)
    old = df["code_saisi"].map(by_input["statut"]) == "ancien code"
    if old.any():
        key = ["code", "indicateur", "annee"]
        has_current = df[~old].set_index(key).index
        old_rows = df[old]
        clash = old_rows.set_index(key).index.isin(has_current)
        many = old_rows.duplicated(key, keep=False).to_numpy()
        mapped = old_rows[~clash & ~many]
        dropped = old_rows[clash | many]
        for d, rows in mapped.groupby(mapped["code_saisi"].map(by_input["detail"]), sort=False):
            flag(rows, f"ancien code : {d}", "valeur rattachée à la commune actuelle")
        for d, rows in dropped.groupby(dropped["code_saisi"].map(by_input["detail"]),
                                       sort=False):
            flag(rows, f"ancien code : {d} ; la commune actuelle a aussi une valeur, ou "
                 "plusieurs anciennes communes en ont une", "ligne écartée (valeurs non "
                 "additionnables)")
        df = df.drop(index=dropped.index)
    # doublons
    key = ["code", "indicateur", "annee"]
    dup = df.duplicated(key, keep=False)
    if dup.any():
        groups = df[dup].groupby(key, sort=False)["valeur"]
        n_values = groups.transform("nunique")
        same = df[dup][n_values == 1]
        differ = df[dup][n_values > 1]
        flag(same[same.duplicated(key)], "doublon identique", "ligne écartée (gardée une fois)")
        flag(differ, "doublon aux valeurs différentes", "toutes les lignes écartées")
        df = df.drop(index=same[same.duplicated(key)].index.union(differ.index))
    # métadonnées des indicateurs
    for col in ("libelle", "unite", "source"):
        if col not in df.columns:
            df[col] = pd.NA
    if "sens" in df.columns:
        sens = df["sens"].map(lambda v: _direction(v) if isinstance(v, str) else "")
        unknown = df["sens"][sens.isna()].dropna().unique().tolist()
        if unknown:
            raise DataError(f"Colonne « sens » de {label} : valeur(s) non reconnue(s) "
                            f"{', '.join(map(repr, unknown))}. Écrivez « hausse » (plus haut = "
                            "mieux), « baisse » (plus bas = mieux) ou laissez vide.", where)
        df["sens"] = sens
        conflicts = df.groupby("indicateur")["sens"].nunique()
        conflicts = conflicts[conflicts > 1].index.tolist()
        if conflicts:
            raise DataError(f"{label.capitalize()} : sens contradictoires pour "
                            f"{', '.join(map(str, conflicts))}. Un indicateur n'a qu'un sens "
                            "souhaitable : corrigez la colonne « sens ».", where)
    else:
        df["sens"] = ""
    source_text = "; ".join(sorted(str(s) for s in df["source"].dropna().unique()))
    out = df[["code", "indicateur", "annee", "valeur", "libelle", "unite", "sens"]]
    out = out.astype({"code": "str", "indicateur": "str", "annee": "int64"})
    out = out.sort_values(["indicateur", "code", "annee"], kind="stable").reset_index(drop=True)
    table = pd.DataFrame(problems, columns=ANOMALY_COLUMNS)
    if not table.empty:
        table = table.sort_values(["ligne"], kind="stable").reset_index(drop=True)
    out.attrs = {"anomalies": table, "codes": report, "source_texte": source_text,
                 "niveau": level, "fichier": where}
    if len(table):
        logger.info("%s : %d anomalie(s) sur les indicateurs", label, len(table))
    if out.empty:
        raise DataError(f"{label.capitalize()} : aucune ligne exploitable après contrôle "
                        f"({len(table)} anomalie(s) ; voir `anomalies`).", where)
    return out


def _merge_definitions(df: pd.DataFrame, definitions: pd.DataFrame) -> pd.DataFrame:
    defs = _rename(definitions)
    if "indicateur" not in defs.columns:
        raise DataError("La table des définitions doit avoir une colonne « indicateur » (plus "
                        "libelle, unite, sens, source).")
    dup = defs["indicateur"][defs["indicateur"].duplicated()].unique().tolist()
    if dup:
        raise DataError(f"Table des définitions : indicateur(s) défini(s) plusieurs fois : "
                        f"{', '.join(map(str, dup))}.")
    cols = [c for c in OPTIONAL if c in defs.columns]
    return df.drop(columns=[c for c in cols if c in df.columns]).merge(
        defs[["indicateur", *cols]], on="indicateur", how="left").set_axis(df.index)


def load_indicators(path: str | Path, *, level: str = "commune", sheet: str | int | None = None,
                    known: tuple[str, ...] | list[str] = (),
                    definitions: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """Charge (avec `kit.load_table`) puis contrôle une table longue d'indicateurs.

    Parameters
    ----------
    path
        Fichier CSV, xlsx ou ods : une ligne par territoire, indicateur et année.
    level
        Niveau des territoires.
    sheet
        Feuille à lire pour un classeur.
    known
        Codes acceptés bien qu'absents du référentiel (le code de la collectivité).
    definitions
        Fichier (ou DataFrame) de définition des indicateurs : ``indicateur``, ``libelle``,
        ``unite``, ``sens``, ``source``.

    Returns
    -------
    pandas.DataFrame
        Comme `check_indicators` ; ``attrs["anomalies"]`` cite les numéros de ligne du fichier.
    """
    raw = load_table(path, sheet=sheet)
    original = _raw_codes(raw, path, sheet)
    if original is not None:
        # le chargeur rétablit les zéros initiaux en silence : on repart des cellules telles
        # que saisies pour que le contrôle des codes signale chaque correction
        raw[original.name] = original
    if definitions is not None and not isinstance(definitions, pd.DataFrame):
        definitions = load_table(definitions)
    return check_indicators(raw, level=level, known=known, definitions=definitions)


def _raw_codes(df: pd.DataFrame, path: str | Path, sheet: str | int | None) -> pd.Series | None:
    """Cellules de la colonne des codes telles qu'écrites dans le fichier (texte)."""
    src = df.attrs.get("source") or {}
    renamed = _rename(df.iloc[:0])
    column = next((c for c, n in zip(df.columns, renamed.columns) if n == "code"), None)
    letter = (src.get("columns") or {}).get(column)
    if column is None or not letter:
        return None
    position = column_index(letter)
    raw = read_cells(path, sheet)
    info, cells = raw.info, raw.cells
    body = info.get("typed_body")
    if body is not None:
        cells = pd.concat([cells, body])
    if position not in cells.columns or not df.index.isin(cells.index).all():
        return None
    raw = cells.loc[df.index, position]
    text = raw.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else (
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()))
    return pd.Series(text.to_numpy(object), index=df.index, name=column)


def anomalies(values: pd.DataFrame, grouped: bool = False) -> pd.DataFrame:
    """Lignes écartées ou modifiées lors du contrôle des indicateurs (tableau vide sinon).

    Parameters
    ----------
    values
        Sortie de `load_indicators` ou `check_indicators`.
    grouped
        Regroupe les lignes par code saisi, problème et action : ``lignes`` (nombre) et
        ``premiere_ligne`` (numéro dans le fichier).
    """
    table = values.attrs.get("anomalies")
    table = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(
        columns=ANOMALY_COLUMNS)
    if not grouped:
        return table
    keys = ["code_saisi", "probleme", "action"]
    out = (table.groupby(keys, sort=False, dropna=False)["ligne"]
           .agg(lignes="size", premiere_ligne="min").reset_index())
    return out.sort_values("premiere_ligne", kind="stable").reset_index(drop=True)


def indicator_catalog(values: pd.DataFrame) -> pd.DataFrame:
    """Un indicateur par ligne : libellé, unité, sens, années couvertes, territoires renseignés.

    Examples
    --------
    >>> v = pd.DataFrame({"code": ["a", "b"], "indicateur": "x", "annee": [2023, 2024],
    ...                   "valeur": [1.0, 2.0], "libelle": "Indicateur X", "unite": "%",
    ...                   "sens": "hausse"})
    >>> indicator_catalog(v).iloc[0, :5].tolist()
    ['x', 'Indicateur X', '%', 'hausse', '2023–2024']
    """
    data = values.copy()
    for col in ("libelle", "unite", "sens"):
        if col not in data.columns:
            data[col] = ""
    rows = []
    for name, grp in data.groupby("indicateur", sort=True):
        first = grp.iloc[0]
        years = sorted(grp["annee"].unique())
        rows.append({"indicateur": name,
                     "libelle": first["libelle"] if pd.notna(first["libelle"]) else name,
                     "unite": first["unite"] if pd.notna(first["unite"]) else "",
                     "sens": first["sens"] or "",
                     "annees": f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]),
                     "territoires": int(grp["code"].nunique())})
    return pd.DataFrame(rows, columns=["indicateur", "libelle", "unite", "sens", "annees",
                                       "territoires"])


def per_inhabitant(values: pd.DataFrame, population: pd.Series, indicators: list[str], *,
                   per: int = 1) -> pd.DataFrame:
    """Rapporte des indicateurs en valeur absolue à la population (valeur par habitant).

    Hypothèse : la même population (celle du référentiel, ou celle de la configuration pour
    la collectivité) sert pour toutes les années.

    Parameters
    ----------
    values
        Table longue contrôlée.
    population
        Population par code (Series indexée par code), par exemple `population_of(pairs)`.
    indicators
        Indicateurs à convertir ; les autres sont inchangés.
    per
        1 pour « par habitant », 1000 pour « pour 1 000 habitants ».

    Returns
    -------
    pandas.DataFrame
        Même table ; les indicateurs convertis prennent le suffixe ``_hab`` (ou ``_1000hab``)
        et leur unité « …/hab ». Les territoires sans population sont écartés.

    Examples
    --------
    >>> v = pd.DataFrame({"code": ["a", "b"], "indicateur": "dette", "annee": 2024,
    ...                   "valeur": [1000.0, 5000.0], "unite": "€"})
    >>> per_inhabitant(v, pd.Series({"a": 10, "b": 50}), ["dette"])[["indicateur", "valeur",
    ...                                                              "unite"]].values.tolist()
    [['dette_hab', 100.0, '€/hab'], ['dette_hab', 100.0, '€/hab']]
    """
    wrong = [i for i in indicators if i not in set(values["indicateur"])]
    if wrong:
        raise DataError(f"Indicateur(s) absent(s) de la table : {', '.join(wrong)}.")
    out = values.copy()
    sel = out["indicateur"].isin(indicators)
    pop = pd.to_numeric(out.loc[sel, "code"].map(population), errors="coerce")
    no_pop = sel & out["code"].map(population).isna()
    suffix = "_hab" if per == 1 else f"_{per}hab"
    unit_suffix = "/hab" if per == 1 else f" pour {per:,} hab".replace(",", " ")
    label_suffix = "par habitant" if per == 1 else f"pour {per:,} habitants".replace(",", " ")
    out.loc[sel, "valeur"] = out.loc[sel, "valeur"] / pop * per
    out.loc[sel, "indicateur"] = out.loc[sel, "indicateur"] + suffix
    if "unite" in out.columns:
        out.loc[sel, "unite"] = out.loc[sel, "unite"].fillna("").astype(str) + unit_suffix
    if "libelle" in out.columns:
        out.loc[sel, "libelle"] = out.loc[sel, "libelle"].astype(str) + f" ({label_suffix})"
    out = out[~no_pop].reset_index(drop=True)
    out.attrs = dict(values.attrs)
    return out
