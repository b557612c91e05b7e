"""Banc d'essai des formules d'indicateurs : `kit.formulas` contre pandas écrit à la main.

Données générées (graine fixe) : 200 sites × 3 652 jours (10 ans), soit 730 400 lignes, avec
cinq colonnes numériques, une catégorie et le site. 50 indicateurs de formes variées (sommes,
moyennes, comptages filtrés, ratios, par habitant, min/max/médiane, valeurs distinctes) sont
calculés par mois :
- référence : ce qu'écrirait une analyste en pandas, indicateur par indicateur (colonne de
  période calculée une fois, puis filtre booléen + `groupby(...).agg` + arithmétique) ;
- kit : `compute_indicators` sur le catalogue des 50 formules (analyse comprise).
Les deux sont mesurés dans le même passage, en alternance, meilleur de 3 ; leurs résultats
sont comparés (assert). Objectif (issue n° 4) : pas plus lent que pandas (ratio ≥ 1).
Dernière ligne : `bench kpi: ratio=X goal=1 time_s=T peak_mib=M`, ratio = temps pandas / temps
kit, T = temps du kit, M = pic mémoire Python (tracemalloc) d'un calcul du kit.

Usage : python benchmarks/bench_kpi.py [--sites 200] [--days 3652] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit.formulas import compute_indicator, compute_indicators  # noqa: E402

CATEGORIES = ["Verre", "Papier", "Ordures", "Biodéchets", "Encombrants"]


def make_data(sites: int, days: int, seed: int = 4) -> tuple[pd.DataFrame, pd.Series]:
    """Mesures journalières par site, et population par année."""
    rng = np.random.default_rng(seed)
    n = sites * days
    dates = pd.date_range("2015-01-01", periods=days, freq="D")
    df = pd.DataFrame({
        "date": np.tile(dates.to_numpy(), sites),
        "site": np.repeat([f"S{i:03d}" for i in range(sites)], days),
        "categorie": np.asarray(CATEGORIES, dtype=object)[rng.integers(0, 5, n)],
        "tonnage": rng.gamma(2.0, 2.0, n).round(3),
        "energie_kwh": rng.normal(600, 150, n).round(1),
        "delai_jours": rng.integers(0, 31, n),
        "cout_eur": rng.gamma(3.0, 40.0, n).round(2),
        "interventions": rng.poisson(1.5, n),
    })
    df["categorie"] = df["categorie"].astype("str")
    df["site"] = df["site"].astype("str")
    years = range(dates[0].year, dates[-1].year + 1)
    population = pd.Series([42000 + 350 * i for i, _ in enumerate(years)], index=list(years))
    return df, population


def catalogue(pop: pd.Series) -> list[tuple[str, str, object]]:
    """(nom, formule, calcul pandas de référence) : 50 indicateurs."""
    out: list[tuple[str, str, object]] = []

    def add(name, formula, fn):
        out.append((name, formula, fn))

    def per_hab(s):
        return s / s.index.year.map(pop).to_numpy() * 1000

    for col in ("tonnage", "energie_kwh", "cout_eur", "interventions"):
        add(f"somme_{col}", f"somme({col})", lambda d, c=col: d.groupby("mois")[c].sum())
        add(f"moyenne_{col}", f"moyenne({col})", lambda d, c=col: d.groupby("mois")[c].mean())
    for i, cat in enumerate(CATEGORIES):
        add(f"tonnage_{i}", f'somme(tonnage où categorie = "{cat}")',
            lambda d, c=cat: d[d["categorie"] == c].groupby("mois")["tonnage"].sum())
        add(f"energie_moy_{i}", f'moyenne(energie_kwh où categorie = "{cat}")',
            lambda d, c=cat: d[d["categorie"] == c].groupby("mois")["energie_kwh"].mean())
        add(f"cout_par_t_{i}",
            f'somme(cout_eur où categorie = "{cat}") / somme(tonnage où categorie = "{cat}")',
            lambda d, c=cat: (d[d["categorie"] == c].groupby("mois")["cout_eur"].sum()
                              / d[d["categorie"] == c].groupby("mois")["tonnage"].sum()))
        add(f"interv_rapides_{i}",
            f'somme(interventions où categorie = "{cat}" et delai_jours <= 7)',
            lambda d, c=cat: d[(d["categorie"] == c) & (d["delai_jours"] <= 7)]
            .groupby("mois")["interventions"].sum())
    for t in (3, 7, 14, 21):
        add(f"part_retard_{t}", f"nombre(mesures où delai_jours > {t}) / nombre(mesures)",
            lambda d, t=t: d[d["delai_jours"] > t].groupby("mois").size()
            / d.groupby("mois").size())
    add("tonnage_hab", "somme(tonnage) / population * 1000",
        lambda d: per_hab(d.groupby("mois")["tonnage"].sum()))
    for i, cat in enumerate(CATEGORIES[:3]):
        add(f"tonnage_hab_{i}", f'somme(tonnage où categorie = "{cat}") / population * 1000',
            lambda d, c=cat: per_hab(d[d["categorie"] == c].groupby("mois")["tonnage"].sum()))
    for fn, pd_fn in (("max", "max"), ("min", "min"), ("mediane", "median")):
        for col in ("tonnage", "energie_kwh"):
            add(f"{fn}_{col}", f"{fn}({col})",
                lambda d, c=col, f=pd_fn: d.groupby("mois")[c].agg(f))
    add("sites_en_retard", "nombre_distinct(site où delai_jours > 29)",
        lambda d: d[d["delai_jours"] > 29].groupby("mois")["site"].nunique())
    add("sites_verre_lourd", 'nombre_distinct(site où categorie = "Verre" et tonnage > 12)',
        lambda d: d[(d["categorie"] == "Verre") & (d["tonnage"] > 12)]
        .groupby("mois")["site"].nunique())
    for i, cat in enumerate(CATEGORIES[:1]):
        add(f"delai_hors_{i}", f'moyenne(delai_jours où categorie != "{cat}")',
            lambda d, c=cat: d[d["categorie"] != c].groupby("mois")["delai_jours"].mean())
    add("cout_par_site", "somme(cout_eur) / nombre_distinct(site)",
        lambda d: d.groupby("mois")["cout_eur"].sum() / d.groupby("mois")["site"].nunique())
    add("part_recyclable",
        '(somme(tonnage où categorie = "Verre") + somme(tonnage où categorie = "Papier")) '
        "/ somme(tonnage) * 100",
        lambda d: (d[d["categorie"] == "Verre"].groupby("mois")["tonnage"].sum()
                   + d[d["categorie"] == "Papier"].groupby("mois")["tonnage"].sum())
        / d.groupby("mois")["tonnage"].sum() * 100)
    add("jours_charges", "nombre(mesures où tonnage > 12 ou energie_kwh > 1000)",
        lambda d: d[(d["tonnage"] > 12) | (d["energie_kwh"] > 1000)].groupby("mois").size())
    add("cout_ttc", "somme(cout_eur * 1,2)",
        lambda d: (d["cout_eur"] * 1.2).groupby(d["mois"]).sum())
    add("premier_cout", "premier(cout_eur où site = \"S000\")",
        lambda d: d[d["site"] == "S000"].sort_values("date").groupby("mois")["cout_eur"].first())
    assert len(out) == 50, len(out)
    return out


def run_pandas(df: pd.DataFrame, specs) -> dict[str, pd.Series]:
    d = df.assign(mois=df["date"].dt.to_period("M"))
    return {name: fn(d) for name, _, fn in specs}


def run_kit(df: pd.DataFrame, pop: pd.Series, specs) -> pd.DataFrame:
    return compute_indicators({name: f for name, f, _ in specs}, {"mesures": df},
                              period="mois", variables={"population": pop})


def run_kit_one_by_one(df: pd.DataFrame, pop: pd.Series, specs) -> dict[str, pd.Series]:
    return {name: compute_indicator(f, {"mesures": df}, variables={"population": pop})
            for name, f, _ in specs}


def timed(fn) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--days", type=int, default=3652)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    df, pop = make_data(args.sites, args.days)
    specs = catalogue(pop)
    print(f"données : {len(df):_} lignes, {len(specs)} indicateurs par mois".replace("_", " "))

    t_pd, t_kit = [], []
    for _ in range(args.repeat):  # en alternance, pour partager les aléas de la machine
        t, ref = timed(lambda: run_pandas(df, specs))
        t_pd.append(t)
        t, res = timed(lambda: run_kit(df, pop, specs))
        t_kit.append(t)
    for name, _, _ in specs:  # mêmes nombres des deux côtés
        expected = ref[name].reindex(res.index).to_numpy(dtype="float64")
        np.testing.assert_allclose(res[name].to_numpy(), expected, rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    assert not any(res.attrs["problemes"].values()), res.attrs["problemes"]
    t_one, _ = timed(lambda: run_kit_one_by_one(df, pop, specs))

    gc.collect()
    tracemalloc.start()
    run_kit(df, pop, specs)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Kio sous Linux

    best_pd, best_kit = min(t_pd), min(t_kit)
    ratio = best_pd / best_kit
    print(f"pandas (référence), 50 indicateurs : {best_pd:.3f} s "
          f"(essais : {', '.join(f'{t:.3f}' for t in t_pd)})")
    print(f"kit compute_indicators (partagé)   : {best_kit:.3f} s "
          f"(essais : {', '.join(f'{t:.3f}' for t in t_kit)})")
    print(f"kit compute_indicator un par un    : {t_one:.3f} s (1 essai, sans partage)")
    print(f"résultats identiques : oui ({res.shape[0]} mois × {res.shape[1]} indicateurs)")
    print(f"pic mémoire Python du kit : {peak:.1f} Mio ; RSS max du processus : {rss:.0f} Mio")
    print(f"bench kpi: ratio={ratio:.2f} goal=1 time_s={best_kit:.3f} peak_mib={peak:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
