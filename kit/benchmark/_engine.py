"""Positionnement de masse : chaque territoire dans son groupe, pour chaque indicateur et année.

Trois moteurs donnent les mêmes résultats :

- **numpy** (par défaut pour les grands volumes) : les colonnes sont lues une à une depuis le
  fichier Parquet (pyarrow, codes en dictionnaire), puis chaque groupe × indicateur × année est
  trié à part, indicateur par indicateur, sur tous les cœurs. Toutes les communes de France ×
  50 indicateurs × 10 ans (17,5 millions de valeurs) en quelques secondes et moins de 1 Gio ;
- **DuckDB** (base de données en colonnes embarquée, fonctions de fenêtre SQL) pour les
  volumes qui ne tiennent pas en mémoire : il déborde sur disque et, avec ``output=``, écrit le
  résultat en Parquet au fil de l'eau ;
- **pandas** pour les petits volumes (quelques milliers de lignes).

Définitions (identiques dans les trois moteurs), pour un groupe = les territoires d'un même
groupe (par exemple la même strate) ayant une valeur pour l'indicateur et l'année :

- ``rang`` : 1 + nombre de valeurs du groupe strictement supérieures (1 = la plus forte) ;
- ``percentile`` : 100 × part des valeurs du groupe inférieures ou égales à la valeur (égale à
  ``100 * groupby(...).rank(method="max", pct=True)`` de pandas et à ``cume_dist()`` en SQL) ;
- ``quartile`` : 1 à 4, ``ceil(percentile / 25)`` (1 = le quart des valeurs les plus basses) ;
- ``n`` : taille du groupe ; ``mediane`` : médiane du groupe (territoire compris) ;
  ``ecart`` = valeur − médiane ; ``ecart_pct`` = 100 × écart / |médiane| (vide si la médiane
  est nulle).

Le résultat a une ligne par ligne reçue : les lignes sans valeur (vide, NaN) ou dont le
territoire n'a pas de groupe gardent une position vide (NA) et sont comptées dans
``attrs["lignes_ecartees"]``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from kit.benchmark._duckdb import position_duckdb
from kit.benchmark._inputs import _KEYS, _groups_frame, _is_path, _require
from kit.errors import DataError, KitError

logger = logging.getLogger(__name__)

__all__ = ["POSITION_COLUMNS", "position_all"]

#: Colonnes calculées par défaut par `position_all` (en plus de code, indicateur, annee).
POSITION_COLUMNS: tuple[str, ...] = ("rang", "percentile", "quartile", "ecart")
_OPTIONAL = ("valeur", "groupe", "n", "mediane", "ecart_pct")
#: Jusqu'à ce nombre de lignes, le moteur « auto » choisit pandas.
PANDAS_THRESHOLD = 200_000
ENGINES = ("auto", "numpy", "duckdb", "pandas")


def _check_columns(columns: Sequence[str]) -> list[str]:
    allowed = (*POSITION_COLUMNS, *_OPTIONAL)
    wrong = [c for c in columns if c not in allowed]
    if wrong:
        raise KitError(f"Colonne(s) de résultat inconnue(s) : {', '.join(map(repr, wrong))}. "
                       f"Colonnes possibles : {', '.join(allowed)}.")
    return list(dict.fromkeys(columns))


def position_all(values: pd.DataFrame | str | Path, groups: pd.DataFrame | pd.Series, *,
                 group_column: str = "strate", columns: Sequence[str] = POSITION_COLUMNS,
                 output: str | Path | None = None, engine: str = "auto",
                 threads: int | None = None, memory_limit: str = "512MB",
                 chunk_rows: int | None = None) -> pd.DataFrame | Path:
    """Positionne chaque territoire dans son groupe, pour chaque indicateur et chaque année.

    Parameters
    ----------
    values
        Table longue (colonnes ``code``, ``indicateur``, ``annee``, ``valeur``) : DataFrame, ou
        chemin d'un fichier Parquet (lu colonne par colonne, sans DataFrame intermédiaire).
    groups
        Groupe de chaque territoire : DataFrame avec ``code`` et ``group_column`` (par
        exemple la strate calculée par `assign_strata`), ou Series indexée par code.
    group_column
        Nom de la colonne de groupe dans ``groups``.
    columns
        Colonnes calculées : parmi ``rang``, ``percentile``, ``quartile``, ``ecart`` (par
        défaut) et ``valeur``, ``groupe``, ``n`` (taille du groupe), ``mediane``, ``ecart_pct``.
    output
        Chemin d'un fichier Parquet où écrire le résultat au fil de l'eau (avec DuckDB) ;
        sinon le résultat est renvoyé.
    engine
        ``"numpy"``, ``"duckdb"``, ``"pandas"`` ou ``"auto"`` : pandas jusqu'à 200 000 lignes,
        DuckDB si ``output`` est donné, numpy sinon.
    threads
        Nombre de fils de calcul (par défaut, le nombre de cœurs).
    memory_limit
        Mémoire maximale de DuckDB (au-delà, il écrit sur disque).
    chunk_rows
        DuckDB seulement : traiter les indicateurs par tranches d'environ ce nombre de lignes
        (moins de mémoire de travail, mais le fichier est relu à chaque tranche).

    Returns
    -------
    pandas.DataFrame or Path
        Une ligne par ligne reçue (même ordre, sauf avec DuckDB) : ``code``, ``indicateur``,
        ``annee`` et les colonnes demandées, vides pour les lignes écartées ; ou le chemin du
        fichier écrit. ``attrs["lignes_ecartees"]`` compte les lignes sans valeur ou sans
        groupe.

    Raises
    ------
    DataError
        Colonnes manquantes, ou territoire présent plusieurs fois dans ``groups``.

    Examples
    --------
    >>> valeurs = pd.DataFrame({"code": ["a", "b", "c", "d"], "indicateur": "x",
    ...                         "annee": 2024, "valeur": [10.0, 20.0, 20.0, 40.0]})
    >>> groupes = pd.DataFrame({"code": ["a", "b", "c", "d"], "strate": [1, 1, 1, 2]})
    >>> res = position_all(valeurs, groupes, columns=["rang", "percentile", "quartile"])
    >>> res[["code", "rang", "percentile", "quartile"]].values.tolist()
    [['a', 3, 33.33333333333333, 2], ['b', 1, 100.0, 4], ['c', 1, 100.0, 4], ['d', 1, 100.0, 4]]
    """
    columns = _check_columns(columns)
    if engine not in ENGINES:
        raise KitError(f"Moteur inconnu : {engine!r}. Choisissez parmi "
                       f"{', '.join(repr(e) for e in ENGINES)}.")
    gframe = _groups_frame(groups, group_column)
    if engine == "auto":
        engine = "duckdb" if output is not None else (
            "pandas" if not _is_path(values) and len(values) <= PANDAS_THRESHOLD else "numpy")
    if engine == "duckdb":

        return position_duckdb(values, gframe, columns, output, memory_limit, threads,
                               chunk_rows)
    if engine == "pandas":
        result = _position_pandas(pd.read_parquet(values) if _is_path(values) else values,
                                  gframe, columns)
    else:
        result = _position_numpy(values, gframe, columns, threads)
    if output is not None:
        result.to_parquet(output, index=False)
        return Path(output)
    return result


def _position_pandas(values: pd.DataFrame, groups: pd.DataFrame,
                     columns: list[str]) -> pd.DataFrame:
    _require(values)
    data = values[list(_KEYS)].reset_index(drop=True)
    data["groupe"] = data["code"].map(groups.set_index("code")["groupe"])
    data["valeur"] = pd.to_numeric(data["valeur"], errors="coerce").astype(float)
    ok = data["groupe"].notna() & data["valeur"].notna() & data["annee"].notna()
    valid = data[ok]
    grouped = valid.groupby(["groupe", "indicateur", "annee"], sort=False,
                            observed=True)["valeur"]
    n = grouped.transform("size")
    le = grouped.rank(method="max")  # nombre de valeurs <= valeur
    fraction = le / n
    median = grouped.transform("median")
    computed = {
        "valeur": data["valeur"],
        "groupe": data["groupe"],
        "rang": (n - le + 1).astype("Int32"),
        "percentile": 100 * fraction,
        "quartile": np.ceil(4 * fraction).astype("Int8"),
        "n": n.astype("Int32"),
        "mediane": median,
        "ecart": valid["valeur"] - median,
        "ecart_pct": (100 * (valid["valeur"] - median) / median.abs()).where(median != 0),
    }
    out = data[["code", "indicateur", "annee"]].copy()
    for col in columns:
        value = computed[col]
        out[col] = value.reindex(out.index) if col not in ("valeur", "groupe") else value
    out.attrs["lignes_ecartees"] = int((~ok).sum())
    return out


def _encode(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes entiers (−1 si vide) et catégories d'une colonne de texte."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int32), pd.Index(series.cat.categories)
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        # texte gardé par Arrow (le type `str` de pandas 3) : codé directement par Arrow, en
        # entiers 32 bits, trois fois plus vite que `pd.factorize`
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(pa.chunked_array(series.array.__arrow_array__()))
        encoded = encoded.unify_dictionaries()
        if encoded.num_chunks == 0:
            return np.empty(0, np.int32), pd.Index([], dtype="str")
        codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                                for c in encoded.chunks]).astype(np.int32, copy=False)
        return codes, pd.Index(encoded.chunk(0).dictionary.to_pylist(), dtype="str")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int32, copy=False), pd.Index(uniques)


def _small_int(values: np.ndarray) -> np.ndarray:
    """Le plus petit type entier signé qui contient ``values`` (sans copie si déjà le cas)."""
    low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    for kind in (np.int8, np.int16, np.int32):
        if np.iinfo(kind).min <= low and high <= np.iinfo(kind).max:
            return values.astype(kind, copy=False)
    return values.astype(np.int64, copy=False)


def _read_numpy(values: pd.DataFrame | str | Path, *, own_values: bool = True
                ) -> dict[str, object]:
    """Colonnes de la table longue en tableaux numpy compacts : codes et indicateurs en
    entiers (−1 si vide) + catégories, années entières (``annee_ok`` : année renseignée),
    valeurs en flottants (NaN si vide). Un fichier Parquet est lu colonne par colonne."""
    if not _is_path(values):
        _require(values)
        code, code_cats = _encode(values["code"].astype("str"))
        ind, ind_cats = _encode(values["indicateur"].astype("str"))
        annee, valeur = (values[c] if pd.api.types.is_numeric_dtype(values[c]) and not
                         pd.api.types.is_bool_dtype(values[c])
                         else pd.to_numeric(values[c], errors="coerce")
                         for c in ("annee", "valeur"))  # déjà numériques : aucune copie
        ok = annee.notna().to_numpy()
        years = annee.to_numpy(np.int64) if ok.all() else annee.fillna(0).to_numpy(np.int64)
        # copie (``own_values``) quand le moteur réécrit ce tableau (écart à la médiane) ou le
        # renvoie (colonne ``valeur``) : le DataFrame reçu n'est jamais touché ; sinon il est
        # seulement lu, sans copie s'il est déjà en flottants
        valeur = valeur.to_numpy(float, na_value=np.nan, copy=own_values)
        return {"code": code, "code_cats": code_cats, "ind": _small_int(ind),
                "ind_cats": ind_cats, "annee": _small_int(years),
                "annee_ok": ok, "valeur": valeur}
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = Path(values)
    if not path.exists():
        raise KitError(f"Fichier de valeurs introuvable : {path}.", path)
    pf = pq.ParquetFile(path, read_dictionary=["code", "indicateur"])
    missing = [c for c in _KEYS if c not in pf.schema_arrow.names]
    if missing:
        raise DataError(f"Fichier de valeurs « {path.name} » : colonne(s) manquante(s) "
                        f"{', '.join(missing)} (reçu : {', '.join(pf.schema_arrow.names)}).",
                        path)
    out: dict[str, object] = {}
    for name, key in (("code", "code"), ("indicateur", "ind")):
        col = pf.read(columns=[name]).column(0)
        if not pa.types.is_dictionary(col.type):
            col = col.cast(pa.string()).dictionary_encode()
        col = col.unify_dictionaries()
        cats = col.chunk(0).dictionary if col.num_chunks else pa.array([], pa.string())
        indices = np.empty(len(col), np.int32)
        start = 0
        for chunk in col.chunks:
            idx = chunk.indices.fill_null(-1) if chunk.null_count else chunk.indices
            indices[start:start + len(chunk)] = idx.to_numpy()
            start += len(chunk)
        del col
        out[key] = indices if key == "code" else _small_int(indices)
        out[f"{key}_cats"] = pd.Index(cats.cast(pa.string()).to_pylist(), dtype="str")
    col = pf.read(columns=["annee"]).column(0)
    out["annee_ok"] = ~col.is_null().to_numpy(zero_copy_only=False) if col.null_count else None
    col = pc.fill_null(col, 0) if col.null_count else col
    if not pa.types.is_integer(col.type):
        col = col.cast(pa.int64())
    out["annee"] = _small_int(np.concatenate([c.to_numpy() for c in col.chunks])
                              if col.num_chunks != 1 else col.chunk(0).to_numpy())
    del col
    # valeurs : lues groupe de lignes par groupe de lignes dans un tableau numpy modifiable
    valeur = np.empty(pf.metadata.num_rows, np.float64)
    start = 0
    for i in range(pf.metadata.num_row_groups):
        col = pf.read_row_group(i, columns=["valeur"]).column(0).cast(pa.float64())
        for chunk in col.chunks:
            valeur[start:start + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
            start += len(chunk)
    out["valeur"] = valeur
    pa.default_memory_pool().release_unused()  # tampons de décodage rendus au système
    return out


_INT_TYPES = {"rang": np.int32, "quartile": np.int8, "n": np.int32}


def _run(function, tasks: list, workers: int) -> None:
    """Exécute ``function`` sur chaque tâche, sur ``workers`` fils (numpy libère le GIL)."""
    if workers == 1:
        for task in tasks:
            function(task)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(function, tasks))


def _position_numpy(values: pd.DataFrame | str | Path, groups: pd.DataFrame,
                    columns: list[str], threads: int | None) -> pd.DataFrame:
    """Moteur numpy : tri global (stable, par base) sur la clé de partition, puis tri des
    valeurs partition par partition, réparti entre les cœurs ; les colonnes du résultat sont
    ensuite calculées ligne à ligne, dans l'ordre reçu."""
    data = _read_numpy(values, own_values="valeur" in columns or "ecart" in columns)
    code, ind, annee, valeur = data["code"], data["ind"], data["annee"], data["valeur"]
    total = len(valeur)
    position = pd.Index(groups["code"].astype(str)).get_indexer(data["code_cats"])
    group_ids, group_cats = pd.factorize(groups["groupe"])
    # groupe de chaque code (−1 : pas de groupe) ; la dernière case sert aux codes vides
    gmap = np.append(np.where(position >= 0, group_ids[position], -1), -1).astype(np.int32)
    n_groups, n_ind = max(len(group_cats), 1), max(len(data["ind_cats"]), 1)
    ok = ~np.isnan(valeur) & (ind >= 0)
    if data["annee_ok"] is not None:
        ok &= data["annee_ok"]
    y0 = int(annee[ok].min()) if ok.any() else 0
    n_years = int(annee[ok].max()) - y0 + 1 if ok.any() else 1
    # clé de partition (indicateur, année, groupe) ; lignes écartées : dernière partition
    n_parts = n_ind * n_years * n_groups
    key = np.empty(total, np.int64 if n_parts >= 2**31 else np.int32)
    workers = int(threads or os.cpu_count() or 1)
    step = 1 << 20
    slices = [slice(i, i + step) for i in range(0, total, step)]

    def make_key(sl: slice) -> None:
        group_of_row = gmap[code[sl]]
        k = ind[sl].astype(key.dtype)
        k *= n_years
        k += annee[sl]
        k -= y0
        k *= n_groups
        k += group_of_row
        ok[sl] &= group_of_row >= 0
        k[~ok[sl]] = n_parts
        key[sl] = k

    _run(make_key, slices, workers)
    key = _small_int(key)
    counts = np.bincount(key, minlength=n_parts + 1)
    order = np.argsort(key, kind="stable")  # tri par base sur des entiers courts
    order = order.astype(np.int32 if total < 2**31 else np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)))
    # seul calcul par partition : le nombre de valeurs <= chaque valeur (et la médiane) ;
    # tout le reste se déduit ensuite ligne à ligne, dans l'ordre du fichier
    le = np.zeros(total, np.int32)
    medians = np.full(n_parts + 1, np.nan)

    def work(parts: np.ndarray) -> None:
        for j in parts:
            a, b = starts[j], starts[j + 1]
            if a == b:
                continue
            rows = order[a:b]
            part = valeur[rows]
            o = np.argsort(part)
            ordered = part[o]
            le[rows[o]] = np.searchsorted(ordered, ordered, side="right")
            m = b - a
            medians[j] = (ordered[(m - 1) // 2] + ordered[m // 2]) / 2

    _run(work, np.array_split(np.arange(n_parts), max(1, workers * 16)), workers)
    del order
    counts[n_parts] = 1  # lignes écartées : pas de division par zéro (résultat masqué)
    # l'écart à la médiane s'écrit à la place des valeurs quand elles ne sont pas demandées
    in_place = "ecart" in columns and "valeur" not in columns
    out = {c: np.empty(total, _INT_TYPES.get(c, np.float64)) for c in columns
           if c not in ("valeur", "groupe", "rang") and not (c == "ecart" and in_place)}

    def finish(sl: slice) -> None:  # colonnes du résultat, bloc par bloc, dans l'ordre reçu
        k, count_le = key[sl], le[sl]
        n = counts[k]
        fraction = count_le / n
        median = medians[k]
        for col, arr in out.items():
            if col == "percentile":
                arr[sl] = 100 * fraction
            elif col == "quartile":
                arr[sl] = np.ceil(4 * fraction)
            elif col == "n":
                arr[sl] = n
            elif col == "mediane":
                arr[sl] = median
            elif col == "ecart":
                arr[sl] = valeur[sl] - median
            elif col == "ecart_pct":
                with np.errstate(divide="ignore", invalid="ignore"):
                    arr[sl] = np.where(median != 0,
                                       100 * (valeur[sl] - median) / np.abs(median), np.nan)
        if in_place:
            valeur[sl] -= median
        le[sl] = n - count_le + 1  # le tableau des comptes devient celui des rangs

    _run(finish, slices, workers)
    if "rang" in columns:
        out["rang"] = le
    if in_place:
        out["ecart"] = valeur
    del le, key
    missing = ~ok
    frame: dict[str, object] = {
        "code": pd.Categorical.from_codes(code, categories=data["code_cats"]),
        "indicateur": pd.Categorical.from_codes(ind, categories=data["ind_cats"]),
        "annee": annee if data["annee_ok"] is None else pd.arrays.IntegerArray(
            annee, ~data["annee_ok"]),
    }
    for col in columns:
        if col == "valeur":
            frame[col] = valeur
        elif col == "groupe":
            labels = np.asarray([*group_cats, None], dtype=object)
            frame[col] = pd.array(labels[np.where(ok, gmap[code], -1)])
        elif col in _INT_TYPES:
            frame[col] = pd.arrays.IntegerArray(out.pop(col), missing)
        else:
            arr = out.pop(col)
            arr[missing] = np.nan
            frame[col] = arr
    result = pd.DataFrame(frame, copy=False)
    result.attrs["lignes_ecartees"] = int(missing.sum())
    return result
