"""Banc d'essai du positionnement de masse : `kit.benchmark.position_all` contre pandas.

Données synthétiques (graine fixe) : 35 000 territoires × 50 indicateurs × 10 ans
(17,5 millions de valeurs, 1 % manquantes), populations tirées selon une loi log-normale et
réparties dans les 15 strates démographiques de la DGF. Le tout est écrit en Parquet dans un
dossier temporaire.

Chaque mesure tourne dans un sous-processus neuf (mémoire de pointe = ``ru_maxrss`` du
processus : tracemalloc ne voit pas la mémoire de DuckDB ni d'Arrow), en alternance kit /
pandas, ``--repeat`` fois ; on garde le meilleur temps de chaque côté.

- **kit** : ``position_all(fichier Parquet, strates)`` — rang, percentile, quartile, écart à
  la médiane de la strate, par strate × indicateur × année, lecture du fichier comprise ;
  résultat : un DataFrame de 17,5 millions de lignes (moteur numpy, celui que choisit
  ``engine="auto"`` ; ``--duckdb`` mesure aussi le moteur DuckDB, pour information).
- **pandas** (référence nommée par l'issue) : ``df.groupby([strate, indicateur, annee])
  ["valeur"].rank(pct=True)`` sur un DataFrame déjà en mémoire (lecture et jointure des
  strates non chronométrées) : le percentile seul.

Objectif (issue n° 5) : au plus 5 s et 1 Gio pour le kit, et au moins 2,5 fois plus rapide que
pandas. Dernière ligne : ``bench benchmark: ratio=X goal=2.5 time_s=T peak_mib=M``.

Usage : python benchmarks/bench_benchmark.py [--territories 35000] [--indicators 50]
[--years 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 2.5
GOAL_TIME_S = 5.0
GOAL_PEAK_MIB = 1024.0


def generate(folder: Path, territories: int, indicators: int, years: int,
             seed: int = 20250404) -> tuple[Path, Path, int]:
    """Écrit ``valeurs.parquet`` et ``strates.parquet`` ; renvoie leurs chemins et le total."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT))
    from kit.benchmark import assign_strata

    rng = np.random.default_rng(seed)
    codes = np.array([f"{i:05d}" for i in range(1001, 1001 + territories)])
    population = np.round(np.exp(rng.normal(6.4, 1.5, territories))).astype(np.int64)
    strata = assign_strata(population, "dgf").to_numpy(dtype=np.int16)
    names = np.array([f"indicateur_{j:02d}" for j in range(indicators)])
    total = territories * indicators * years
    code_idx = np.repeat(np.arange(territories, dtype=np.int32), indicators * years)
    ind_idx = np.tile(np.repeat(np.arange(indicators, dtype=np.int32), years), territories)
    year = np.tile(np.arange(2016, 2016 + years, dtype=np.int16), territories * indicators)
    value = np.round(rng.lognormal(5.0, 0.6, total), 1)  # arrondi : des ex aequo
    value[rng.random(total) < 0.01] = np.nan
    table = pa.table({
        "code": pa.DictionaryArray.from_arrays(pa.array(code_idx), pa.array(codes)),
        "indicateur": pa.DictionaryArray.from_arrays(pa.array(ind_idx), pa.array(names)),
        "annee": pa.array(year),
        "valeur": pa.array(value, from_pandas=True),
    })
    values_path, strata_path = folder / "valeurs.parquet", folder / "strates.parquet"
    pq.write_table(table, values_path, compression="zstd")
    pq.write_table(pa.table({"code": codes, "strate": strata}), strata_path)
    return values_path, strata_path, total


def worker(kind: str, folder: Path) -> dict:
    """Une mesure, dans ce processus : temps (s) et mémoire de pointe du processus (Mio)."""
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    values_path, strata_path = folder / "valeurs.parquet", folder / "strates.parquet"
    strata = pd.read_parquet(strata_path)
    if kind in ("kit", "duckdb"):
        from kit.benchmark import position_all

        start = time.perf_counter()
        result = position_all(values_path, strata, columns=["rang", "percentile", "quartile",
                                                             "ecart"],
                              engine="auto" if kind == "kit" else "duckdb")
        elapsed = time.perf_counter() - start
        rows = len(result) - result.attrs["lignes_ecartees"]
    else:
        df = pd.read_parquet(values_path).merge(strata, on="code", how="inner")
        start = time.perf_counter()
        result = df.groupby(["strate", "indicateur", "annee"], observed=True)["valeur"].rank(
            pct=True)
        elapsed = time.perf_counter() - start
        rows = int(result.notna().sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Ko → Mio (Linux)
    return {"kind": kind, "time_s": elapsed, "peak_mib": peak, "rows": rows}


def run(kind: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--dir", str(folder)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=35_000)
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duckdb", action="store_true",
                        help="mesurer aussi le moteur DuckDB de position_all (pour information)")
    parser.add_argument("--worker", choices=["kit", "pandas", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.dir)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_benchmark_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        _, _, total = generate(folder, args.territories, args.indicators, args.years)
        print(f"données : {args.territories} territoires × {args.indicators} indicateurs × "
              f"{args.years} ans = {total:,} valeurs (générées en "
              f"{time.perf_counter() - t0:.1f} s)".replace(",", " "))
        kinds = ("kit", "pandas", "duckdb") if args.duckdb else ("kit", "pandas")
        results: dict[str, list[dict]] = {kind: [] for kind in kinds}
        for i in range(args.repeat):
            for kind in kinds:
                res = run(kind, folder)
                results[kind].append(res)
                print(f"  essai {i + 1} {kind:6s} : {res['time_s']:6.2f} s, "
                      f"pic {res['peak_mib']:6.0f} Mio, {res['rows']:,} valeurs classées"
                      .replace(",", " "))
    best = {k: min(v, key=lambda r: r["time_s"]) for k, v in results.items()}
    kit, base = best["kit"], best["pandas"]
    ratio = base["time_s"] / kit["time_s"]
    peak_kit = max(r["peak_mib"] for r in results["kit"])
    print(f"pandas groupby(...).rank(pct=True) (données en mémoire) : {base['time_s']:.2f} s, "
          f"pic {base['peak_mib']:.0f} Mio")
    print(f"kit position_all (Parquet → rang, percentile, quartile, écart à la médiane) : "
          f"{kit['time_s']:.2f} s, pic {peak_kit:.0f} Mio")
    if "duckdb" in best:
        duck = best["duckdb"]
        print(f"  pour information, moteur DuckDB (fenêtres SQL) : {duck['time_s']:.2f} s, pic "
              f"{max(r['peak_mib'] for r in results['duckdb']):.0f} Mio, ratio "
              f"{base['time_s'] / duck['time_s']:.2f}")
    verdict = all([ratio >= GOAL_RATIO, kit["time_s"] <= GOAL_TIME_S,
                   peak_kit <= GOAL_PEAK_MIB])
    print(f"objectifs : ratio ≥ {GOAL_RATIO}, ≤ {GOAL_TIME_S:g} s, ≤ {GOAL_PEAK_MIB:.0f} Mio → "
          f"{'atteints' if verdict else 'NON atteints'}")
    print(f"bench benchmark: ratio={ratio:.2f} goal={GOAL_RATIO} time_s={kit['time_s']:.2f} "
          f"peak_mib={peak_kit:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
