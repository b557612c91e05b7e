"""Banc d'essai du chargeur : `kit.load_table` contre pandas (openpyxl / read_csv), côte à côte.

Mesure, dans un même passage et sur les mêmes fichiers (échantillons de data/samples et tables
générées de 10 000 et 100 000 lignes) :
- xlsx : `pandas.read_excel(engine="openpyxl")` (référence) contre `kit.load_table` ;
- csv : `pandas.read_csv` (séparateur et encodage donnés, lecture brute) contre `kit.load_table`.
Le kit en fait plus (en-tête détecté, nombres et dates à la française, codes, totaux écartés).
Objectifs (issue n° 2) : xlsx au moins 10 fois plus rapide qu'openpyxl ; csv au plus 2 fois plus
lent que read_csv. Dernière ligne : `bench load: ratio=X goal=Y time_s=T peak_mib=M`.

Usage : python benchmarks/bench_load.py [--rows 10000 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import load_table  # noqa: E402
from kit.samples import generate_large  # noqa: E402


def measure(fn, repeat: int) -> tuple[float, float]:
    """Meilleur temps (s) sur `repeat` essais et pic mémoire Python (Mio) d'un essai."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(times), peak


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    files = sorted(p for p in (ROOT / "data" / "samples").rglob("*")
                   if p.suffix in (".xlsx", ".csv"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            for fmt in ("xlsx", "csv"):
                files.append(generate_large(Path(tmp), n, fmt))
        print(f"{'fichier':<48} {'lignes':>7} {'référence':>10} {'kit':>8} {'ratio':>7} "
              f"{'pic kit':>8}")
        for path in files:
            df = load_table(path)
            repeat = 1 if len(df) >= 50_000 and path.suffix == ".xlsx" else args.repeat
            t_base, m_base = measure(baseline(path, df), repeat)
            t_kit, m_kit = measure(lambda: load_table(path), args.repeat)
            fmt = path.suffix.lstrip(".")
            # ratio : pour xlsx, gain (référence / kit) ; pour csv, surcoût (kit / référence)
            ratio = t_base / t_kit if fmt == "xlsx" else t_kit / t_base
            rows.append({"fichier": path.name, "format": fmt, "lignes": len(df),
                         "t_ref": t_base, "t_kit": t_kit, "ratio": ratio, "pic": m_kit})
            print(f"{path.name[:48]:<48} {len(df):>7} {t_base:>9.3f}s {t_kit:>7.3f}s "
                  f"{ratio:>6.1f}x {m_kit:>6.0f}Mo")
    res = pd.DataFrame(rows)
    big = res[res["lignes"] == res["lignes"].max()]
    xlsx = big[big["format"] == "xlsx"].iloc[0]
    csv = big[big["format"] == "csv"].iloc[0]
    print(f"\nxlsx {int(xlsx['lignes'])} lignes : kit {xlsx['ratio']:.1f} fois plus rapide "
          f"qu'openpyxl (objectif ≥ 10)")
    print(f"csv  {int(csv['lignes'])} lignes : kit {csv['ratio']:.2f} fois le temps de read_csv "
          f"(objectif ≤ 2)")
    print(f"bench load: ratio={xlsx['ratio']:.1f} goal=10 time_s={xlsx['t_kit']:.2f} "
          f"peak_mib={xlsx['pic']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
