"""Entrées des moteurs de position (`_engine`, `_duckdb`) : colonnes attendues, table des
groupes, valeurs en mémoire ou en Parquet. Module à part pour que les deux moteurs le lisent
sans s'importer l'un l'autre.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kit.errors import DataError

_KEYS = ("code", "indicateur", "annee", "valeur")


def _groups_frame(groups: pd.DataFrame | pd.Series, group_column: str) -> pd.DataFrame:
    if isinstance(groups, pd.Series):
        frame = pd.DataFrame({"code": groups.index.astype(str), "groupe": groups.to_numpy()})
    else:
        if "code" not in groups.columns or group_column not in groups.columns:
            raise DataError(f"La table des groupes doit avoir les colonnes « code » et "
                            f"« {group_column} » ; reçu {', '.join(map(str, groups.columns))}.")
        frame = groups[["code", group_column]].rename(columns={group_column: "groupe"})
    frame = frame[frame["groupe"].notna()]
    dup = frame["code"][frame["code"].duplicated()].unique().tolist()
    if dup:
        raise DataError(f"Table des groupes : code(s) présent(s) plusieurs fois : "
                        f"{', '.join(map(str, dup[:10]))}. Chaque territoire doit avoir un seul "
                        "groupe.")
    return frame


def _is_path(values: object) -> bool:
    return isinstance(values, (str, Path))


def _n_rows(values: object) -> int:
    if _is_path(values):
        import pyarrow.parquet as pq

        return pq.ParquetFile(values).metadata.num_rows
    return len(values)


def _require(frame: pd.DataFrame) -> None:
    missing = [c for c in _KEYS if c not in frame.columns]
    if missing:
        raise DataError(f"Table des valeurs : colonne(s) manquante(s) {', '.join(missing)} "
                        f"(reçu : {', '.join(map(str, frame.columns))}). Chargez-la avec "
                        "`load_indicators` ou renommez les colonnes.")
