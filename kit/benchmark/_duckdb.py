"""Moteur DuckDB de `position_all` (fonctions de fenêtre SQL) et `summarize_groups`.

DuckDB déborde sur disque quand les données dépassent ``memory_limit`` et, avec ``output=``,
écrit le résultat en Parquet au fil de l'eau : c'est le moteur des volumes qui ne tiennent pas
en mémoire. Sur 17,5 millions de valeurs, il est plus lent que le moteur numpy (mesures dans
``benchmarks/bench_benchmark.py --duckdb``) : ``cume_dist()`` trie chaque partition avec toutes
ses colonnes. Les codes et indicateurs sont remplacés par des entiers pendant le calcul.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from kit.benchmark._inputs import _KEYS, _groups_frame, _is_path, _n_rows, _require
from kit.errors import DataError, KitError

logger = logging.getLogger(__name__)

__all__ = ["position_duckdb", "summarize_groups"]


_SQL_EXPR = {
    "valeur": "valeur AS valeur",
    "groupe": "gid AS groupe",
    "rang": "CAST(n - round(cd * n) + 1 AS INTEGER) AS rang",
    "percentile": "100 * cd AS percentile",
    "quartile": "CAST(ceil(4 * cd) AS TINYINT) AS quartile",
    "n": "CAST(n AS INTEGER) AS n",
    "mediane": "mediane AS mediane",
    "ecart": "valeur - mediane AS ecart",
    "ecart_pct": "CASE WHEN mediane = 0 THEN NULL ELSE 100 * (valeur - mediane) / abs(mediane) "
                 "END AS ecart_pct",
}


def _connect(memory_limit: str, threads: int | None):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET memory_limit = ?", [memory_limit])
    return con


def _register_values(con, values: pd.DataFrame | str | Path) -> None:
    if _is_path(values):
        path = Path(values)
        if not path.exists():
            raise KitError(f"Fichier de valeurs introuvable : {path}.", path)
        rel = con.read_parquet(str(path))
    else:
        _require(values)
        rel = con.from_df(values[list(_KEYS)]) if isinstance(values, pd.DataFrame) \
            else con.from_arrow(values)
    missing = [c for c in _KEYS if c not in rel.columns]
    if missing:
        raise DataError(f"Fichier de valeurs : colonne(s) manquante(s) {', '.join(missing)} "
                        f"(reçu : {', '.join(rel.columns)}).")
    rel.create_view("v_src")


def position_duckdb(values, groups: pd.DataFrame, columns: list[str],
                    output: str | Path | None, memory_limit: str, threads: int | None,
                    chunk_rows: int | None) -> pd.DataFrame | Path:
    """Positions calculées par DuckDB (voir `kit.benchmark.position_all`)."""
    import pyarrow as pa

    con = _connect(memory_limit, threads)
    try:
        _register_values(con, values)
        gtab = pa.table({"code": pa.array(groups["code"].astype(str).to_numpy(object)),
                         "groupe": pa.array(groups["groupe"].to_numpy(object))})
        con.register("g_src", gtab)
        # petites tables de correspondance texte → entier : le tri et la partition portent sur
        # des entiers, et le résultat garde les codes sous forme de catégories.
        ind = con.sql(
            "SELECT indicateur, CAST(row_number() OVER (ORDER BY indicateur) - 1 AS INTEGER) "
            "AS iid, rows FROM (SELECT indicateur, count(*) AS rows FROM v_src WHERE "
            "indicateur IS NOT NULL GROUP BY indicateur) ORDER BY iid").to_arrow_table()
        years = con.execute("SELECT min(annee), max(annee) FROM v_src").fetchall()[0]
        codes = con.sql(
            "SELECT c.code, CAST(row_number() OVER (ORDER BY c.code) - 1 AS INTEGER) AS cid, "
            "CASE WHEN g.groupe IS NULL THEN NULL ELSE CAST(dense_rank() OVER (ORDER BY "
            "g.groupe) - 1 AS INTEGER) END AS gid, g.groupe "
            "FROM (SELECT DISTINCT CAST(code AS VARCHAR) AS code FROM v_src "
            "WHERE code IS NOT NULL) c LEFT JOIN g_src g ON c.code = g.code ORDER BY cid"
        ).to_arrow_table()
        group_values = con.sql("SELECT groupe FROM (SELECT DISTINCT gid, groupe FROM codes "
                               "WHERE groupe IS NOT NULL) ORDER BY gid").to_arrow_table()
        con.register("ind", ind.select(["indicateur", "iid"]))
        con.register("cod", codes.select(["code", "cid", "gid"]))
        total = _n_rows(values)
        names = ind.column("indicateur").to_pylist()
        sizes = ind.column("rows").to_numpy()
        code_list = codes.column("code").to_pylist()
        y0 = int(years[0]) if years[0] is not None else 0
        n_years = int(years[1]) - y0 + 1 if years[1] is not None else 1
        group_list = group_values.column(0).to_pylist()
        key = _partition_key(len(names), len(group_list), y0, n_years)
        bounds = _chunks(sizes, chunk_rows) if chunk_rows else [(0, len(names))]
        queries = [_chunk_query(key, lo, hi, columns, len(bounds) > 1) for lo, hi in bounds]
        if output is not None:
            return _write_parquet(con, queries, Path(output), code_list, names, group_list,
                                  columns, total)
        tables = [con.sql(q).to_arrow_table() for q in queries]
    finally:
        con.close()
    frame = _frame(tables, code_list, names, group_list, columns)
    frame.attrs["lignes_ecartees"] = int(frame[columns[0]].isna().sum()) if columns else 0
    return frame


def _partition_key(n_ind: int, n_groups: int, y0: int, n_years: int) -> str:
    """Clé entière unique par (groupe, indicateur, année), la plus étroite possible ; vide
    pour les lignes écartées (sans valeur, sans groupe, sans indicateur ou sans année)."""
    size = max(n_ind, 1) * max(n_groups, 1) * max(n_years, 1)
    kind = "SMALLINT" if size < 2**15 else ("INTEGER" if size < 2**31 else "BIGINT")
    return (f"CAST((CAST(i.iid AS BIGINT) * {max(n_groups, 1)} + c.gid) * {max(n_years, 1)} "
            f"+ (CAST(v.annee AS BIGINT) - {y0}) AS {kind})")


def _chunks(sizes: np.ndarray, chunk_rows: int) -> list[tuple[int, int]]:
    """Découpe les indicateurs en tranches contiguës d'environ ``chunk_rows`` lignes."""
    bounds, start, acc = [], 0, 0
    for i, size in enumerate(sizes):
        acc += int(size)
        if acc >= chunk_rows:
            bounds.append((start, i + 1))
            start, acc = i + 1, 0
    if start < len(sizes) or not bounds:
        bounds.append((start, len(sizes)))
    return bounds


def _chunk_query(key: str, lo: int, hi: int, columns: list[str], filtered: bool) -> str:
    indicators = (f"JOIN (SELECT * FROM ind WHERE iid >= {lo} AND iid < {hi}) i"
                  if filtered else "LEFT JOIN ind i")
    value = "CAST(v.valeur AS DOUBLE)"
    data = (f"SELECT c.cid, i.iid, "
            f"CAST(v.annee AS SMALLINT) AS annee, c.gid, {value} AS valeur, "
            f"CASE WHEN c.gid IS NULL OR {value} IS NULL OR isnan({value}) OR v.annee IS NULL "
            f"THEN NULL ELSE {key} END AS k FROM v_src v "
            "LEFT JOIN cod c ON CAST(v.code AS VARCHAR) = c.code "
            f"{indicators} ON v.indicateur = i.indicateur")
    windowed = ("SELECT cid, iid, annee, gid, valeur, k, cume_dist() OVER w AS cd, "
                "count(*) OVER p AS n, median(valeur) OVER p AS mediane "
                f"FROM ({data}) WINDOW w AS (PARTITION BY k ORDER BY valeur), "
                "p AS (PARTITION BY k)")
    exprs = [e if c in ("valeur",) else f"CASE WHEN k IS NULL THEN NULL ELSE {e} END AS {c}"
             for c, e in ((c, _SQL_EXPR[c].rsplit(" AS ", 1)[0]) for c in columns)]
    select = ", ".join(["cid", "CAST(iid AS SMALLINT) AS iid", "annee", *exprs])
    return f"SELECT {select} FROM ({windowed})"


def _frame(tables: list, codes: list, names: list, group_values: list,
           columns: list[str]) -> pd.DataFrame:
    """DataFrame du résultat : codes et indicateurs en catégories, nombres laissés dans les
    tampons Arrow de DuckDB (aucune copie des millions de valeurs)."""
    import pyarrow as pa

    def chunks(name: str) -> list:
        return [c for t in tables for c in t.column(name).chunks]

    def codes_of(name: str, dtype) -> np.ndarray:
        parts = [c.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype, copy=False)
                 for c in chunks(name)]
        return np.concatenate(parts) if parts else np.empty(0, dtype)

    data = {
        "code": pd.Categorical.from_codes(codes_of("cid", np.int32),
                                          categories=pd.Index(codes, dtype="str")),
        "indicateur": pd.Categorical.from_codes(
            codes_of("iid", np.int16), categories=pd.Index(names, dtype="str")),
    }
    for name in ("annee", *columns):
        if name == "groupe":
            gid = codes_of(name, np.int64)
            labels = np.asarray([*group_values, None], dtype=object)
            data[name] = pd.array(labels[gid])
        else:
            arr = pa.chunked_array(chunks(name), type=tables[0].schema.field(name).type)
            data[name] = pd.arrays.ArrowExtensionArray(arr)
    return pd.DataFrame(data, copy=False)


def _write_parquet(con, queries: list[str], path: Path, codes: list, names: list,
                   group_values: list, columns: list[str], total: int) -> Path:
    """Écrit les tranches au fil de l'eau dans un fichier Parquet (codes en dictionnaire)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    code_dict, name_dict = pa.array(codes, pa.string()), pa.array(names, pa.string())
    group_dict = pa.array(group_values)
    writer = None
    written = 0
    try:
        for query in queries:
            for batch in con.sql(query).to_arrow_reader(1 << 20):
                arrays = [pa.DictionaryArray.from_arrays(batch.column(0), code_dict),
                          pa.DictionaryArray.from_arrays(batch.column(1).cast(pa.int32()),
                                                         name_dict),
                          batch.column(2)]
                for i, col in enumerate(columns, start=3):
                    arr = batch.column(i)
                    arrays.append(group_dict.take(arr) if col == "groupe" else arr)
                out = pa.RecordBatch.from_arrays(arrays, names=["code", "indicateur", "annee",
                                                                *columns])
                if writer is None:
                    writer = pq.ParquetWriter(path, out.schema, compression="snappy",
                                              use_dictionary=["code", "indicateur"],
                                              write_statistics=False)
                writer.write_batch(out)
                written += out.num_rows
    finally:
        if writer is not None:
            writer.close()
    logger.info("%d lignes sur %d écrites dans %s", written, total, path)
    return path


def summarize_groups(values: pd.DataFrame | str | Path, groups: pd.DataFrame | pd.Series, *,
                     group_column: str = "strate") -> pd.DataFrame:
    """Statistiques de chaque groupe, par indicateur et année : effectif, quartiles, moyenne.

    Parameters
    ----------
    values, groups, group_column
        Comme pour `position_all`.

    Returns
    -------
    pandas.DataFrame
        Colonnes ``groupe``, ``indicateur``, ``annee``, ``n``, ``minimum``, ``q1``,
        ``mediane``, ``q3``, ``maximum``, ``moyenne``, ``ecart_type``.

    Examples
    --------
    >>> valeurs = pd.DataFrame({"code": ["a", "b", "c"], "indicateur": "x", "annee": 2024,
    ...                         "valeur": [1.0, 2.0, 4.0]})
    >>> s = summarize_groups(valeurs, pd.Series([1, 1, 1], index=["a", "b", "c"]))
    >>> s[["n", "q1", "mediane", "q3"]].values.tolist()
    [[3.0, 1.5, 2.0, 3.0]]
    """
    gframe = _groups_frame(groups, group_column)
    con = _connect("512MB", None)
    try:
        _register_values(con, values)
        con.register("g_src", gframe)
        return con.sql(
            "SELECT g.groupe, v.indicateur, CAST(v.annee AS INTEGER) AS annee, "
            "count(*) AS n, min(v.valeur) AS minimum, quantile_cont(v.valeur, 0.25) AS q1, "
            "median(v.valeur) AS mediane, quantile_cont(v.valeur, 0.75) AS q3, "
            "max(v.valeur) AS maximum, avg(v.valeur) AS moyenne, "
            "stddev_samp(v.valeur) AS ecart_type "
            "FROM v_src v JOIN g_src g ON CAST(v.code AS VARCHAR) = CAST(g.code AS VARCHAR) "
            "WHERE v.valeur IS NOT NULL AND NOT isnan(CAST(v.valeur AS DOUBLE)) "
            "GROUP BY ALL ORDER BY 1, 2, 3").df()
    finally:
        con.close()
