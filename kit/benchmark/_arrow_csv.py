"""Lecture rapide d'un grand CSV par Arrow : colonnes choisies, textes en dictionnaires.

`read_columns` confie le CSV au lecteur d'Arrow (`pyarrow.csv`, tous les cœurs) en ne
convertissant que les colonnes demandées, avec leur type : les textes arrivent en
dictionnaires (un entier par ligne, chaque valeur distincte écrite une fois), si bien qu'un
export de millions de lignes ne fabrique jamais des millions de chaînes Python ni de chaînes
Arrow. Les erreurs d'Arrow sont traduites en français, avec le fichier, la ligne et la colonne.
Utilisé par la lecture des exports OFGL (`kit.benchmark._open_data_ofgl`).
"""

from __future__ import annotations

import csv
import re

import numpy as np

from kit.benchmark._open_data_formats import Sniffed
from kit.errors import DataError

__all__ = ["first_text", "number_column", "read_columns", "text_column"]


def _bad_line(sniffed: Sniffed, wrong) -> str:
    """« (ligne N) » de la première ligne du fichier pour laquelle ``wrong(champs)`` est vrai
    (relu avec le module csv : seulement quand une erreur est signalée)."""
    with sniffed.path.open(encoding=sniffed.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=sniffed.delimiter)
        for number, row in enumerate(reader, start=1):
            if number > 1 and wrong(row):
                return f" (ligne {reader.line_num})"
    return ""


def _csv_error(exc: Exception, sniffed: Sniffed) -> DataError:
    """Erreur d'Arrow traduite : fichier, ligne et colonne nommés."""
    path, text = sniffed.path, str(exc)
    width = len(sniffed.columns)
    found = re.search(r"Expected (\d+) columns, got (\d+)", text)
    if found:
        where = _bad_line(sniffed, lambda row: len(row) != width)
        return DataError(f"« {path.name} » est mal formé ou tronqué{where} : {found.group(2)} "
                         f"champ(s) au lieu de {found.group(1)}. Téléchargez à nouveau "
                         "l'export complet.", path)
    col = re.search(r"column #(\d+)", text)
    value = re.search(r"invalid value '([^']*)'", text)
    if col and int(col.group(1)) < width:
        index, bad = int(col.group(1)), value.group(1) if value else "?"
        where = _bad_line(sniffed, lambda row: len(row) > index and row[index] == bad)
        return DataError(f"« {path.name} »{where} : valeur « {bad} » illisible comme nombre "
                         f"dans la colonne « {sniffed.columns[index]} ». Un export OFGL écrit "
                         "les montants avec un point décimal : le fichier a peut-être été "
                         "réenregistré par un tableur.", path)
    return DataError(f"« {path.name} » est illisible comme export CSV : "
                     f"{text.splitlines()[0]}", path)


def read_columns(sniffed: Sniffed, wanted: dict[str, str]):
    """Colonnes utiles de l'export (nom → ``"texte"``, ``"nombre"`` ou ``"entier"``), lues
    par Arrow sur tous les cœurs : les textes arrivent en dictionnaires (un entier par ligne,
    chaque valeur distincte écrite une fois), les autres colonnes ne sont jamais converties."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    kinds = {"texte": pa.dictionary(pa.int32(), pa.string()), "nombre": pa.float64(),
             "entier": pa.int32()}
    # l'en-tête (et son BOM) est sauté : les noms viennent de `sniff`
    encoding = "utf-8" if sniffed.encoding in ("utf-8", "utf-8-sig") else sniffed.encoding

    def read(newlines: bool):
        return pcsv.read_csv(
            sniffed.path,
            read_options=pcsv.ReadOptions(column_names=sniffed.columns, skip_rows=1,
                                          encoding=encoding),
            parse_options=pcsv.ParseOptions(delimiter=sniffed.delimiter, quote_char='"',
                                            double_quote=True, newlines_in_values=newlines),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(wanted),
                column_types={c: kinds[k] for c, k in wanted.items()},
                strings_can_be_null=False))

    try:
        try:
            return read(newlines=False)
        except pa.ArrowInvalid as exc:
            # nombre de champs inattendu : peut-être un retour à la ligne dans un champ entre
            # guillemets (libellé saisi sur deux lignes) ; relecture qui les accepte, plus
            # lente, seulement dans ce cas
            if "Expected" not in str(exc):
                raise
            return read(newlines=True)
    except pa.ArrowInvalid as exc:
        raise _csv_error(exc, sniffed) from exc


def text_column(table, name: str) -> tuple[np.ndarray, list[str]]:
    """Colonne de texte lue en dictionnaire → (indices, valeurs) ; texte vide → −1."""
    col = table.column(name)
    if col.num_chunks == 0:
        return np.empty(0, np.int32), []
    col = col.unify_dictionaries()
    values = col.chunk(0).dictionary.to_pylist()
    idx = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in col.chunks]
                         ).astype(np.int32, copy=False)
    if "" in values:
        remap = np.arange(len(values), dtype=np.int32)
        remap[values.index("")] = -1
        idx = remap[idx]
    return idx, values


def number_column(table, name: str | None, rows: int) -> np.ndarray:
    """Colonne numérique en flottants (vide → NaN) ; colonne absente → NaN partout."""
    if name is None:
        return np.full(rows, np.nan)
    return np.asarray(table.column(name).to_numpy(), dtype=float)


def first_text(parts: list[tuple[np.ndarray, list[str]]], rows: int
              ) -> tuple[np.ndarray, list[str]]:
    """Premier texte non vide parmi plusieurs colonnes codées (SIRET, libellé, type) : un
    identifiant par valeur utilisée, dans l'ordre des colonnes."""
    ids = np.full(rows, -1, np.int64)
    names: list[str] = []
    for idx, values in parts:
        empty = ids < 0
        ids[empty] = np.where(idx[empty] >= 0, idx[empty] + len(names), -1)
        names += values
    used = np.bincount(ids[ids >= 0], minlength=len(names)) > 0
    compact = np.cumsum(used) - 1
    remap = np.append(np.where(used, compact, -1), -1).astype(np.int32)
    return remap[ids], [n for n, u in zip(names, used) if u]
