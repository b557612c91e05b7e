"""Position de la collectivité parmi ses pairs : rang, percentile, écarts, évolution.

Le **groupe** d'un indicateur et d'une année est formé de la collectivité et de ses pairs qui
ont une valeur. Comme les moyennes de strate publiées par la DGFiP, la collectivité fait partie
de son groupe ; les définitions sont celles de `position_all` :

- ``rang`` : 1 + nombre de valeurs du groupe strictement supérieures (1 = la plus forte
  valeur, quel que soit le sens de l'indicateur) ; ``sur`` : taille du groupe ;
- ``percentile`` : 100 × part du groupe dont la valeur est inférieure ou égale ;
- ``quartile`` : ``ceil(percentile / 25)``, de 1 (quart le plus bas) à 4 ;
- ``mediane``, ``q1``, ``q3`` (interpolation linéaire), ``moyenne``, ``ecart_type``
  (n − 1) du groupe ; ``ecart_mediane`` = valeur − médiane et ``ecart_mediane_pct`` = 100 ×
  écart / |médiane| ; ``zscore`` = (valeur − moyenne) / écart-type ;
- ``percentile_favorable`` : percentile orienté selon le sens souhaitable, 100 = meilleure
  position (part du groupe dont la valeur est moins bonne ou égale) ; vide si l'indicateur
  n'a pas de sens.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kit._format import fmt_number
from kit.benchmark._common import MIN_PEERS, SmallGroupWarning, profile_of, warn
from kit.errors import DataError

__all__ = ["better_than_median", "compare_evolution", "comparison_table", "peer_trend", "peer_values", "position",
           "reliable_positions"]

POSITION_OUTPUT = ["indicateur", "libelle", "unite", "sens", "annee", "valeur", "n_pairs",
                   "sur", "rang", "percentile", "quartile", "percentile_favorable", "mediane",
                   "q1", "q3", "moyenne", "ecart_type", "ecart_mediane", "ecart_mediane_pct",
                   "zscore", "alerte"]


def reliable_positions(positions: pd.DataFrame) -> pd.DataFrame:
    """Positions qui se lisent « mieux / moins bien » : sens souhaitable connu (percentile
    orienté calculé) et aucune alerte (assez de pairs renseignés, valeur présente)."""
    return positions[positions["percentile_favorable"].notna() & (positions["alerte"] == "")]


def better_than_median(positions: pd.DataFrame) -> pd.Series:
    """Positions « mieux que la médiane des pairs » : percentile orienté au-delà de 50 (la règle
    des titres de graphiques et des chiffres clés du comité)."""
    return positions["percentile_favorable"] > 50


def _meta(values: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("libelle", "unite", "sens") if c in values.columns]
    meta = values.groupby("indicateur", sort=True)[cols].first() if cols else \
        pd.DataFrame(index=sorted(values["indicateur"].unique()))
    for col in ("libelle", "unite", "sens"):
        if col not in meta.columns:
            meta[col] = ""
    meta["libelle"] = meta["libelle"].where(meta["libelle"].notna() & (meta["libelle"] != ""),
                                            meta.index.to_series())
    meta["unite"] = meta["unite"].fillna("")
    meta["sens"] = meta["sens"].fillna("")
    return meta


def _group_data(values: pd.DataFrame, peers: pd.DataFrame, profile: dict) -> pd.DataFrame:
    if not {"code", "indicateur", "annee", "valeur"} <= set(values.columns):
        raise DataError("La table des valeurs doit avoir les colonnes code, indicateur, annee, "
                        "valeur : chargez-la avec `load_indicators`.")
    codes = set(peers["code"]) | {profile["code"]}
    data = values[values["code"].isin(codes)]
    data = data[pd.to_numeric(data["valeur"], errors="coerce").notna()].copy()
    data["valeur"] = data["valeur"].astype(float)
    data["collectivite"] = data["code"] == profile["code"]
    return data


def _stats(group: np.ndarray, own: float, sens: str) -> dict[str, Any]:
    n = len(group)
    out: dict[str, Any] = {"sur": n}
    if n == 0 or math.isnan(own):
        return out
    le, ge, gt = (group <= own).sum(), (group >= own).sum(), (group > own).sum()
    median = float(np.median(group))
    mean = float(group.mean())
    std = float(group.std(ddof=1)) if n > 1 else float("nan")
    pct = 100 * le / n
    out.update({
        "rang": int(gt + 1), "percentile": pct, "quartile": int(math.ceil(4 * le / n)),
        "percentile_favorable": pct if sens == "hausse" else (
            100 * ge / n if sens == "baisse" else float("nan")),
        "mediane": median, "q1": float(np.quantile(group, 0.25)),
        "q3": float(np.quantile(group, 0.75)), "moyenne": mean, "ecart_type": std,
        "ecart_mediane": own - median,
        "ecart_mediane_pct": 100 * (own - median) / abs(median) if median else float("nan"),
        "zscore": (own - mean) / std if std and not math.isnan(std) else float("nan"),
    })
    return out


def position(values: pd.DataFrame, peers: pd.DataFrame, *, year: int | None = None,
             latest: bool = False, min_peers: int = MIN_PEERS,
             profile: dict[str, Any] | None = None) -> pd.DataFrame:
    """Position de la collectivité parmi ses pairs, par indicateur et année.

    Parameters
    ----------
    values
        Table longue contrôlée (`load_indicators`), collectivité comprise.
    peers
        Groupe de pairs (`select_peers`).
    year
        Année à retenir ; par défaut toutes.
    latest
        Ne garder, pour chaque indicateur, que la dernière année où la collectivité a une
        valeur.
    min_peers
        En dessous de ce nombre de pairs renseignés, la ligne porte une alerte et un
        `SmallGroupWarning` est émis.
    profile
        Profil de la collectivité, si ``peers`` ne le porte pas.

    Returns
    -------
    pandas.DataFrame
        Une ligne par indicateur et année (voir le module pour les définitions) :
        ``indicateur``, ``libelle``, ``unite``, ``sens``, ``annee``, ``valeur``,
        ``n_pairs``, ``sur``, ``rang``, ``percentile``, ``quartile``,
        ``percentile_favorable``, ``mediane``, ``q1``, ``q3``, ``moyenne``, ``ecart_type``,
        ``ecart_mediane``, ``ecart_mediane_pct``, ``zscore``, ``alerte``.

    Examples
    --------
    >>> pairs = pd.DataFrame({"code": ["a", "b", "c", "d", "e"], "nom": list("ABCDE")})
    >>> v = pd.DataFrame({"code": ["moi", "a", "b", "c", "d", "e"], "indicateur": "x",
    ...                   "annee": 2024, "valeur": [30.0, 10, 20, 30, 40, 50], "sens": "baisse"})
    >>> p = position(v, pairs, profile={"code": "moi", "nom": "Moi"})
    >>> p[["rang", "sur", "percentile", "quartile", "mediane", "ecart_mediane"]].values.tolist()
    [[3, 6, 66.66666666666667, 3, 30.0, 0.0]]
    """
    own = profile_of(peers, profile)
    data = _group_data(values, peers, own)
    if year is not None:
        data = data[data["annee"] == int(year)]
    meta = _meta(values)
    rows = []
    for (ind, annee), grp in data.groupby(["indicateur", "annee"], sort=True):
        mine = grp.loc[grp["collectivite"], "valeur"]
        valeur = float(mine.iloc[0]) if len(mine) else float("nan")
        n_pairs = int((~grp["collectivite"]).sum())
        group = grp["valeur"].to_numpy(float) if len(mine) else \
            grp.loc[~grp["collectivite"], "valeur"].to_numpy(float)
        row = {"indicateur": ind, "annee": int(annee), "valeur": valeur, "n_pairs": n_pairs,
               **_stats(group, valeur, meta.loc[ind, "sens"])}
        alerts = []
        if not len(mine):
            alerts.append(f"pas de valeur pour {own['nom']}")
        if n_pairs < min_peers:
            alerts.append(f"seulement {n_pairs} pair(s) renseigné(s) (minimum conseillé : "
                          f"{min_peers}) : comparaison peu fiable")
        row["alerte"] = " ; ".join(alerts)
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        raise DataError(f"Aucune valeur commune à {own['nom']} et à ses pairs dans la table des "
                        "indicateurs" + (f" pour {year}" if year else "") + ".")
    out = out.join(meta, on="indicateur")
    if latest:
        with_value = out[out["valeur"].notna()]
        last = with_value.groupby("indicateur")["annee"].max()
        out = out[out["annee"] == out["indicateur"].map(last)]
    out = out.reindex(columns=POSITION_OUTPUT).reset_index(drop=True)
    for col in ("rang", "sur", "quartile", "n_pairs"):
        out[col] = out[col].astype("Int64")
    few = out.loc[out["n_pairs"] < min_peers, "indicateur"].unique().tolist()
    if few:
        warn(f"Indicateur(s) renseigné(s) pour moins de {min_peers} pairs : {', '.join(few)}. "
             "Leur position est indiquée mais peu fiable (colonne « alerte »).",
             SmallGroupWarning)
    out.attrs = {"profile": dict(own), "source_texte": values.attrs.get("source_texte", ""),
                 "description": peers.attrs.get("description", "")}
    return out


def _evolution(start: float, end: float, unit: str) -> float:
    if unit.strip() == "%":
        return end - start
    return 100 * (end - start) / abs(start) if start else float("nan")


def compare_evolution(values: pd.DataFrame, peers: pd.DataFrame, *, start: int | None = None,
                      end: int | None = None,
                      profile: dict[str, Any] | None = None) -> pd.DataFrame:
    """Évolution de la collectivité comparée à celle de ses pairs, par indicateur.

    L'évolution est relative (en %) ; pour un indicateur exprimé en %, c'est une différence en
    points. Seuls comptent les pairs renseignés les deux années.

    Parameters
    ----------
    values, peers, profile
        Comme pour `position`.
    start, end
        Années comparées ; par défaut la première et la dernière où la collectivité a une
        valeur.

    Returns
    -------
    pandas.DataFrame
        ``indicateur``, ``libelle``, ``unite``, ``sens``, ``annee_debut``, ``annee_fin``,
        ``valeur_debut``, ``valeur_fin``, ``evolution``, ``evolution_mediane_pairs``,
        ``ecart_evolution``, ``unite_evolution`` (« % » ou « points »), ``n_pairs``,
        ``lecture`` (phrase) et ``appreciation`` (plus / moins favorable que les pairs).
    """
    own = profile_of(peers, profile)
    data = _group_data(values, peers, own)
    meta = _meta(values)
    rows = []
    for ind, grp in data.groupby("indicateur", sort=True):
        unit, sens = meta.loc[ind, "unite"], meta.loc[ind, "sens"]
        years = sorted(grp.loc[grp["collectivite"], "annee"].unique())
        y0 = start if start is not None else (years[0] if years else None)
        y1 = end if end is not None else (years[-1] if years else None)
        wide = grp[grp["annee"].isin([y0, y1])].pivot_table(
            index="code", columns="annee", values="valeur", aggfunc="first")
        if y0 is None or y0 == y1 or y0 not in wide.columns or y1 not in wide.columns:
            rows.append({"indicateur": ind, "lecture": "pas assez d'années pour "
                         f"{own['nom']}", "n_pairs": 0})
            continue
        wide = wide.dropna()
        evo = pd.Series([_evolution(a, b, unit) for a, b in zip(wide[y0], wide[y1])],
                        index=wide.index)
        peers_evo = evo.drop(own["code"], errors="ignore").dropna()
        mine = evo.get(own["code"], float("nan"))
        med = float(peers_evo.median()) if len(peers_evo) else float("nan")
        gap = mine - med
        evo_unit = "points" if unit.strip() == "%" else "%"
        suffix = " points" if evo_unit == "points" else " %"
        verdict = ""
        if not math.isnan(gap) and sens:
            better = gap > 0 if sens == "hausse" else gap < 0
            verdict = "comme les pairs" if abs(gap) < 1e-9 else (
                "plus favorable que les pairs" if better else "moins favorable que les pairs")
        rows.append({
            "indicateur": ind, "annee_debut": y0, "annee_fin": y1,
            "valeur_debut": wide[y0].get(own["code"], float("nan")),
            "valeur_fin": wide[y1].get(own["code"], float("nan")),
            "evolution": mine, "evolution_mediane_pairs": med, "ecart_evolution": gap,
            "unite_evolution": evo_unit, "n_pairs": len(peers_evo),
            "lecture": f"{fmt_number(mine, 1, signed=True)}{suffix} entre {y0} et {y1}, contre "
                       f"{fmt_number(med, 1, signed=True)}{suffix} pour la médiane des "
                       f"{len(peers_evo)} pairs",
            "appreciation": verdict})
    out = pd.DataFrame(rows).join(meta, on="indicateur")
    columns = ["indicateur", "libelle", "unite", "sens", "annee_debut", "annee_fin",
               "valeur_debut", "valeur_fin", "evolution", "evolution_mediane_pairs",
               "ecart_evolution", "unite_evolution", "n_pairs", "lecture", "appreciation"]
    out = out.reindex(columns=columns)
    out.attrs = {"profile": dict(own), "source_texte": values.attrs.get("source_texte", "")}
    return out


def _indicator_meta(values: pd.DataFrame, indicator: str) -> dict[str, str]:
    meta = _meta(values)
    if indicator not in meta.index:
        raise DataError(f"Indicateur « {indicator} » absent de la table ; indicateurs "
                        f"disponibles : {', '.join(meta.index)}.")
    return meta.loc[indicator].to_dict()


def peer_trend(values: pd.DataFrame, peers: pd.DataFrame, indicator: str, *,
               profile: dict[str, Any] | None = None) -> pd.DataFrame:
    """Série annuelle d'un indicateur : la collectivité, la médiane et l'écart interquartile.

    Returns
    -------
    pandas.DataFrame
        ``annee``, ``valeur`` (collectivité), ``mediane``, ``q1``, ``q3`` (groupe, collectivité
        comprise) et ``n_pairs`` ; ``attrs`` : libellé, unité, sens, nom de la collectivité.
    """
    own = profile_of(peers, profile)
    meta = _indicator_meta(values, indicator)
    data = _group_data(values, peers, own)
    data = data[data["indicateur"] == indicator]
    rows = []
    for annee, grp in data.groupby("annee", sort=True):
        vals = grp["valeur"].to_numpy(float)
        mine = grp.loc[grp["collectivite"], "valeur"]
        rows.append({"annee": int(annee),
                     "valeur": float(mine.iloc[0]) if len(mine) else float("nan"),
                     "mediane": float(np.median(vals)), "q1": float(np.quantile(vals, 0.25)),
                     "q3": float(np.quantile(vals, 0.75)),
                     "n_pairs": int((~grp["collectivite"]).sum())})
    out = pd.DataFrame(rows, columns=["annee", "valeur", "mediane", "q1", "q3", "n_pairs"])
    out.attrs = {**meta, "indicateur": indicator, "nom": own["nom"],
                 "source_texte": values.attrs.get("source_texte", "")}
    return out


def peer_values(values: pd.DataFrame, peers: pd.DataFrame, indicator: str,
                year: int | None = None, *,
                profile: dict[str, Any] | None = None) -> pd.DataFrame:
    """Valeurs d'un indicateur pour la collectivité et chacun de ses pairs, une année.

    Parameters
    ----------
    year
        Par défaut, la dernière année où la collectivité a une valeur.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``nom``, ``valeur``, ``collectivite`` (booléen), ``rang`` (1 = plus forte
        valeur), trié par valeur décroissante ; ``attrs`` : libellé, unité, sens, année,
        médiane, taille du groupe, nom de la collectivité.
    """
    own = profile_of(peers, profile)
    meta = _indicator_meta(values, indicator)
    data = _group_data(values, peers, own)
    data = data[data["indicateur"] == indicator]
    if year is None:
        mine = data.loc[data["collectivite"], "annee"]
        year = int(mine.max()) if len(mine) else int(data["annee"].max())
    data = data[data["annee"] == int(year)]
    names = peers.set_index("code")["nom"] if "nom" in peers.columns else pd.Series(dtype=str)
    out = data[["code", "valeur", "collectivite"]].copy()
    out.insert(1, "nom", out["code"].map(names).fillna(out["code"]))
    out.loc[out["collectivite"], "nom"] = own["nom"]
    out = out.sort_values(["valeur", "code"], ascending=[False, True], kind="stable")
    out["rang"] = out["valeur"].rank(method="min", ascending=False).astype(int)
    out = out.reset_index(drop=True)
    out.attrs = {**meta, "indicateur": indicator, "annee": int(year), "nom": own["nom"],
                 "mediane": float(out["valeur"].median()) if len(out) else float("nan"),
                 "n": len(out), "source_texte": values.attrs.get("source_texte", "")}
    return out


def comparison_table(values: pd.DataFrame, peers: pd.DataFrame,
                     codes: list[str] | None = None, *, year: int | None = None,
                     max_peers: int = 3,
                     profile: dict[str, Any] | None = None) -> pd.DataFrame:
    """Tableau « comparateur de territoires » : une ligne par indicateur, une colonne par
    territoire (la collectivité d'abord), puis la médiane du groupe.

    Parameters
    ----------
    codes
        Pairs à montrer en colonnes ; par défaut les ``max_peers`` pairs de population la plus
        proche.
    year
        Année ; par défaut, pour chaque indicateur, la dernière où la collectivité a une
        valeur.

    Returns
    -------
    pandas.DataFrame
        Colonnes « Indicateur », « Unité », « Année », puis une par territoire (nom) et
        « Médiane des pairs » (groupe entier, collectivité comprise).
    """
    own = profile_of(peers, profile)
    if codes is None:
        pop = pd.to_numeric(peers["population"], errors="coerce")
        closest = (pop - own["population"]).abs().sort_values(kind="stable")
        codes = peers.loc[closest.index[:max_peers], "code"].tolist()
    unknown = [c for c in codes if c not in set(peers["code"])]
    if unknown:
        raise DataError(f"Code(s) absent(s) du groupe de pairs : {', '.join(unknown)}.")
    positions = position(values, peers, year=year, latest=year is None, profile=own,
                         min_peers=0)
    data = _group_data(values, peers, own)
    names = peers.set_index("code")["nom"]
    table = pd.DataFrame({"Indicateur": positions["libelle"], "Unité": positions["unite"],
                          "Année": positions["annee"].astype(int)})
    table[own["nom"]] = positions["valeur"].to_numpy()
    keyed = data.set_index(["code", "indicateur", "annee"])["valeur"]
    for code in codes:
        label = names[code] if names[code] not in table.columns else f"{names[code]} ({code})"
        table[label] = [keyed.get((code, i, a), np.nan)
                        for i, a in zip(positions["indicateur"], positions["annee"])]
    table["Médiane des pairs"] = positions["mediane"].to_numpy()
    table.attrs = {"profile": dict(own), "codes": list(codes),
                   "source_texte": values.attrs.get("source_texte", "")}
    return table
