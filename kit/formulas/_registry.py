"""Catalogue en DataFrame et fonctions Python enregistrées (`fonction:nom`) des formules."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kit.formulas._ast import FormulaError, error, normalize_name
from kit.formulas._eval import Engine
from kit.formulas._tables import PERIODS


def catalogue_from_frame(df: pd.DataFrame) -> dict[str, str]:
    """Catalogue (une ligne par indicateur) → {nom: formule} ; formule vide si absente."""
    cols = {normalize_name(str(c)): c for c in df.columns}
    if "formule" not in cols:
        raise error("le catalogue n'a pas de colonne « formule »",
                    hint="Colonnes reçues : " + ", ".join(map(str, df.columns)))
    key = next((cols[k] for k in ("indicateur", "code", "nom", "identifiant") if k in cols),
               None)
    names = df[key] if key is not None else pd.Series(df.index, index=df.index)
    out: dict[str, str] = {}
    for name, text in zip(names.astype(str), df[cols["formule"]]):
        if name in out:
            raise error(f"l'indicateur « {name} » figure deux fois dans le catalogue")
        out[name] = text if isinstance(text, str) else ""
    return out


def run_registered(fn: Callable, name: str, engine: Engine,
                   indicator: str) -> tuple[pd.Series, None]:
    """Appelle la fonction enregistrée et remet son résultat au format des formules."""
    freq = PERIODS[engine.period][0]
    try:
        result = fn(engine.raw_tables, engine.period, dict(engine.raw_variables))
    except FormulaError:
        raise
    except Exception as exc:  # l'erreur d'origine reste chaînée (__cause__)
        raise error(f"la fonction « {name} » a échoué : {type(exc).__name__}: {exc}",
                    indicator=indicator) from exc
    if isinstance(result, pd.DataFrame) and result.shape[1] == 1:
        result = result.iloc[:, 0]
    if not isinstance(result, pd.Series):
        raise error(f"la fonction « {name} » doit renvoyer une Series indexée par période, "
                    f"reçu {type(result).__name__}", indicator=indicator)
    try:
        index = _to_period_index(result.index, freq)
        values = pd.to_numeric(pd.Series(result.to_numpy())).to_numpy(dtype="float64")
    except (TypeError, ValueError) as exc:
        raise error(f"la fonction « {name} » renvoie une Series inutilisable : index non "
                    "convertible en périodes ou valeurs non numériques", indicator=indicator,
                    hint=f"Indexez le résultat par pandas.Period ({freq}) ou par date") \
            from exc
    if index.has_duplicates:
        raise error(f"la fonction « {name} » renvoie plusieurs valeurs pour une même période",
                    indicator=indicator)
    series = pd.Series(values, index=index, dtype="float64").sort_index()
    if len(series):
        series = series.reindex(pd.period_range(series.index.min(), series.index.max(),
                                                freq=freq))
    series.index.name = "periode"
    return series, None


def _to_period_index(index: pd.Index, freq: str) -> pd.PeriodIndex:
    if isinstance(index, pd.PeriodIndex):
        if index.freqstr[0] != freq:
            raise ValueError(index.freqstr)
        return index
    if isinstance(index, pd.DatetimeIndex):
        return index.to_period(freq)
    if freq == "Y" and pd.api.types.is_integer_dtype(index.dtype):
        return pd.PeriodIndex.from_ordinals(np.asarray(index, dtype=np.int64) - 1970, freq="Y")
    return pd.PeriodIndex(index.astype(str), freq=freq)
