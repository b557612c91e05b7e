"""Banc d'essai du chargeur : `kit.load_table` contre pandas (openpyxl / read_csv), côte à côte.

Mesure, dans un même passage et sur les mêmes fichiers (échantillons de data/samples, classeurs
générés de 15 000 et 100 000 lignes, CSV générés de 100 000 et 300 000 lignes) :
- xlsx : `pandas.read_excel(engine="openpyxl")` (référence) contre `kit.load_table` ;
- csv : `pandas.read_csv` (séparateur et encodage donnés, lecture brute) contre `kit.load_table`.
Le kit en fait plus (en-tête détecté, nombres et dates à la française, codes, totaux écartés).
Objectifs (issue n° 11) : xlsx au moins 10 fois plus rapide qu'openpyxl à 15 000 et 100 000 lignes ;
csv au plus 2 fois plus lent que read_csv à 100 000 lignes et plus. Dernière ligne : `bench load: ratio=X goal=Y time_s=T peak_mib=M`.

Les temps sont les meilleurs de `--repeat` essais (au moins 11 pour un CSV ; un seul essai
d'openpyxl sur le grand xlsx), référence et kit mesurés en alternance après un essai de chauffe.

Sur un grand CSV, le kit lit le corps du tableau en deux moitiés, une par cœur (machine de
mesure : 2 cœurs) ; la référence `read_csv` n'en utilise qu'un.

Usage : python benchmarks/bench_load.py [--rows 15000 100000] [--csv-rows 100000 300000]
        [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import ReadingDoubtWarning, load_table  # noqa: E402
from tools.large_files import generate_large  # noqa: E402


def _timed(fn) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak_mib(fn) -> float:
    """Pic mémoire Python (Mio) d'un essai."""
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def measure_pair(base, kit, repeat_base: int, repeat_kit: int) -> tuple[float, float]:
    """Meilleurs temps (s) de la référence et du kit, mesurés en alternance (référence, kit,
    référence, kit…) après un essai de chauffe : une machine chargée pénalise les deux de la
    même façon. Une référence très lente (grand xlsx d'openpyxl) n'est mesurée qu'une fois,
    sans chauffe ; le kit garde alors ses `repeat_kit` essais."""
    if repeat_base > 1:
        base()
    kit()
    t_base, t_kit = [], []
    for i in range(max(repeat_base, repeat_kit)):
        if i < repeat_base:
            t_base.append(_timed(base))
        if i < repeat_kit:
            t_kit.append(_timed(kit))
    return min(t_base), min(t_kit)


def baseline(path: Path, df_kit: pd.DataFrame):
    src = df_kit.attrs["source"]
    if src["format"] in ("csv", "txt"):
        # lecture brute, sans réparation : encodage et séparateur donnés (ceux que le kit a
        # trouvés), lignes décalées ignorées ; latin-1 pour un fichier d'encodage mixte
        enc = src["encoding"] if not str(src["encoding"]).startswith("mixte") else "latin-1"
        return lambda: pd.read_csv(path, sep=src["delimiter"], encoding=enc,
                                   on_bad_lines="skip", skiprows=(src["header_row"] or 1) - 1)
    return lambda: pd.read_excel(path, sheet_name=src["sheet"], engine="openpyxl",
                                 header=(src["header_row"] or 1) - 1)


def _size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n else str(n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[15_000, 100_000],
                        help="tailles des classeurs générés")
    parser.add_argument("--csv-rows", type=int, nargs="*", default=[100_000, 300_000],
                        help="tailles des CSV générés")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    # les doutes de lecture des échantillons (voulus) ne doivent pas noyer les mesures
    warnings.simplefilter("ignore", ReadingDoubtWarning)
    files = sorted(p for p in (ROOT / "data" / "samples").rglob("*")
                   if p.suffix in (".xlsx", ".csv"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files += [generate_large(Path(tmp), n, "xlsx") for n in args.rows]
        files += [generate_large(Path(tmp), n, "csv") for n in args.csv_rows]
        print(f"{'fichier':<48} {'lignes':>7} {'référence':>10} {'kit':>8} {'ratio':>7} "
              f"{'pic kit':>8}")
        for path in files:
            df = load_table(path)
            repeat = 1 if len(df) >= 50_000 and path.suffix == ".xlsx" else args.repeat
            if path.suffix == ".csv":  # mesures courtes : plus d'essais contre le bruit
                repeat = max(repeat, 11)
            t_base, t_kit = measure_pair(baseline(path, df), lambda: load_table(path), repeat,
                                         max(repeat, args.repeat))
            m_kit = peak_mib(lambda: load_table(path))
            fmt = path.suffix.lstrip(".")
            # ratio : pour xlsx, gain (référence / kit) ; pour csv, surcoût (kit / référence)
            ratio = t_base / t_kit if fmt == "xlsx" else t_kit / t_base
            rows.append({"fichier": path.name, "format": fmt, "lignes": len(df),
                         "t_ref": t_base, "t_kit": t_kit, "ratio": ratio, "pic": m_kit})
            print(f"{path.name[:48]:<48} {len(df):>7} {t_base:>9.3f}s {t_kit:>7.3f}s "
                  f"{ratio:>6.1f}x {m_kit:>6.0f}Mo")
    res = pd.DataFrame(rows)
    generated = res[res["fichier"].str.startswith("grand_tableau_")]
    print()
    for r in generated[generated["format"] == "xlsx"].itertuples():  # une ligne par taille
        print(f"xlsx {_size(r.lignes)}: kit {r.t_kit:.3f} s, openpyxl {r.t_ref:.3f} s, "
              f"{r.ratio:.1f} fois plus rapide (objectif ≥ 10)")
    for r in generated[generated["format"] == "csv"].itertuples():
        goal = "objectif ≤ 2" if r.lignes >= 100_000 else "hors objectif : < 100 000 lignes"
        print(f"csv {_size(r.lignes)}: kit {r.t_kit:.3f} s, read_csv {r.t_ref:.3f} s, "
              f"ratio {r.ratio:.2f} ({goal})")
    # synthèse : le plus petit gain xlsx, le plus grand surcoût csv (100 000 lignes et plus)
    xlsx = generated[generated["format"] == "xlsx"].sort_values("ratio").iloc[0]
    big_csv = generated[(generated["format"] == "csv") & (generated["lignes"] >= 100_000)]
    if len(big_csv):
        csv = big_csv.sort_values("ratio").iloc[-1]
        print(f"csv, pire surcoût à 100 000 lignes et plus ({_size(int(csv['lignes']))}) : "
              f"{csv['ratio']:.2f} (objectif ≤ 2)")
    print(f"bench load: ratio={xlsx['ratio']:.1f} goal=10 time_s={xlsx['t_kit']:.2f} "
          f"peak_mib={generated['pic'].max():.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
