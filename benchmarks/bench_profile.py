"""Banc d'essai du profil de qualité et de la recherche de données personnelles.

Avant la réécriture (motifs qui revenaient en arrière sans borne), une cellule de 5 Mo prenait
plus de 10 minutes et 10 000 colonnes plus de 2 minutes. Ici :

1. une seule cellule de texte libre de 10 k, 100 k, 1 M et 5 M caractères (mots, nombres,
   fragments qui ressemblent à moitié à des e-mails, téléphones, NIR ou IBAN, et un vrai
   e-mail tout au bout) : `profile` + `personal_fragments` + `mask_personal` ;
2. 20 lignes × 100, 1 000 et 10 000 colonnes (moitié texte, moitié nombres) : `profile` et
   `mask_frame`.

Le temps doit croître comme la taille (temps par caractère, par colonne, à peu près
constant). Dernière ligne : ``bench profile: ratio=X goal=2 time_s=T peak_mib=M`` où ratio =
temps par caractère à 5 M / temps par caractère à 100 k (objectif : proche de 1, au plus 2),
T = temps de la cellule de 5 M, M = pic mémoire Python (tracemalloc) de ce calcul.

Usage : python benchmarks/bench_profile.py [--repeat 2] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit.quality import mask_frame, mask_personal, personal_fragments, profile

# Morceaux de texte libre, dont des presque-données personnelles (pas de clé juste, pas de
# domaine, chiffres en trop) qui obligent les motifs à essayer puis renoncer.
_PIECES = ["Lorem ipsum dolor sit amet", "rappeler le service", "réf. 0612345678901",
           "nom@", "a.b.c.d", "12 345,50 €", "1 85 03", "FR76 3000", "+33 6", "—", "2A004",
           "le 12/03/2025", "voir@ici", "tel 06 12 34", "185037511200427"]


def make_cell(length: int, seed: int = 7) -> str:
    """Texte libre de `length` caractères, un vrai e-mail à la fin."""
    rng = np.random.default_rng(seed)
    tail = " contact : jeanne.martin@exemple.fr"
    parts: list[str] = []
    size = 0
    while size < length - len(tail):
        piece = _PIECES[int(rng.integers(len(_PIECES)))]
        parts.append(piece)
        size += len(piece) + 1
    return (" ".join(parts))[: length - len(tail)] + tail


def make_wide(columns: int, rows: int = 20) -> pd.DataFrame:
    """`rows` lignes × `columns` colonnes : une sur deux en texte, les autres en nombres."""
    data = {}
    for i in range(columns):
        if i % 2:
            data[f"col{i}"] = pd.Series([f"valeur {r} de {i}" for r in range(rows)], dtype="str")
        else:
            data[f"col{i}"] = np.arange(rows, dtype="float64") * i
    return pd.DataFrame(data)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_cell(cell: str) -> None:
    df = pd.DataFrame({"commune": ["Clairval", "Aurore"], "observations": [cell, "ok"]})
    p = profile(df)
    assert p.summary["colonnes_donnees_personnelles"] == {}
    assert personal_fragments(df["observations"]) == 1
    masked, kinds = mask_personal(cell)
    assert kinds == ["e-mail"] and masked.endswith("[masqué]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="sans 5 M ni 10 000 colonnes")
    args = parser.parse_args()
    lengths = [10_000, 100_000, 1_000_000] + ([] if args.quick else [5_000_000])
    widths = [100, 1_000] + ([] if args.quick else [10_000])

    print("1. Une cellule de texte libre (profil + fragments + masquage)")
    print(f"{'caractères':>12} {'temps (s)':>10} {'µs / 1 000 car.':>16}")
    per_char = {}
    for n in lengths:
        cell = make_cell(n)
        t = best(lambda c=cell: run_cell(c), args.repeat if n < 5_000_000 else 1)
        per_char[n] = t / n
        print(f"{n:>12_} {t:>10.3f} {1e9 * t / n:>16.1f}".replace("_", " "))

    print("\n2. 20 lignes, colonnes de plus en plus nombreuses")
    print(f"{'colonnes':>10} {'profil (s)':>11} {'masquage (s)':>13} {'ms / colonne':>13}")
    per_col = {}
    for k in widths:
        df = make_wide(k)
        t_prof = best(lambda d=df: profile(d), 1)
        t_mask = best(lambda d=df: mask_frame(d), 1)
        per_col[k] = (t_prof + t_mask) / k
        print(f"{k:>10_} {t_prof:>11.3f} {t_mask:>13.3f} {1e3 * per_col[k]:>13.2f}"
              .replace("_", " "))
    col_ratio = per_col[widths[-1]] / per_col[widths[0]]
    print(f"temps par colonne, {widths[-1]} / {widths[0]} colonnes : {col_ratio:.2f}")

    big = lengths[-1]
    cell = make_cell(big)
    gc.collect()
    tracemalloc.start()
    t = time.perf_counter()
    run_cell(cell)
    time_s = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    ratio = per_char[big] / per_char[100_000]
    print(f"\ntemps par caractère, {big} / 100 000 caractères : {ratio:.2f} ; "
          f"pic mémoire Python ({big} caractères, sous tracemalloc) : {peak:.1f} Mio")
    print(f"bench profile: ratio={ratio:.2f} goal=2 time_s={per_char[big] * big:.3f} "
          f"peak_mib={peak:.1f}")
    del time_s


if __name__ == "__main__":
    main()
