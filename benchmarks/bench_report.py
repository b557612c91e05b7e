"""Banc d'essai de ``python -m kit rapport`` sur la collectivité d'exemple.

Mesure, dans le même passage :

- la référence de l'issue : les six notebooks exécutés l'un après l'autre par
  ``jupyter nbconvert --to html --execute`` (un processus par notebook) ;
- ``kit rapport`` : deux notebooks à la fois (un noyau chacun), résultats des étapes calculés une
  fois par passage (cache), rapports HTML et index.

Affiche la durée de chaque notebook, puis la ligne
``bench report: ratio=X goal=Y time_s=T peak_mib=M`` où ratio = durée de la référence / durée de
``kit rapport`` et goal = 54 s / 30 s (l'objectif de l'issue : au plus 30 s là où ``kit demo``
en prenait 54). peak_mib : mémoire résidente maximale des processus enfants (noyaux compris).

Usage : ``.venv/bin/python benchmarks/bench_report.py``
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _children_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def sequential(out: Path) -> tuple[float, dict[str, float]]:
    """Référence : nbconvert --execute, un notebook après l'autre."""
    times = {}
    start = time.perf_counter()
    for nb in NOTEBOOKS:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute",
                        "--ExecutePreprocessor.timeout=600", "--output-dir", str(out), str(nb)],
                       cwd=nb.parent, check=True, capture_output=True)
        times[nb.stem] = time.perf_counter() - t0
    return time.perf_counter() - start, times


def kit_report(out: Path) -> tuple[float, dict[str, float]]:
    """``kit rapport`` (dans un processus à part, comme l'utilisateur le lance)."""
    code = ("import sys; from kit.project import run_report; "
            f"r = run_report({str(CONFIG)!r}, {str(out)!r}, progress=False); "
            "[print(x.notebook, round(x.seconds, 2)) for x in r.runs]; sys.exit(0 if r.ok else 1)")
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    total = time.perf_counter() - start
    times = {line.split()[0]: float(line.split()[1]) for line in res.stdout.splitlines()
             if line.strip()}
    return total, times


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        ref_total, ref_times = sequential(Path(tmp) / "ref")
        kit_total, kit_times = kit_report(Path(tmp) / "kit")
    print(f"{'notebook':<18} {'nbconvert (s)':>14} {'kit rapport (s)':>16}")
    for nb in NOTEBOOKS:
        print(f"{nb.stem:<18} {ref_times.get(nb.stem, float('nan')):>14.1f} "
              f"{kit_times.get(nb.stem, float('nan')):>16.1f}")
    print(f"{'total':<18} {ref_total:>14.1f} {kit_total:>16.1f}")
    print(f"bench report: ratio={ref_total / kit_total:.2f} goal={54 / 30:.2f} "
          f"time_s={kit_total:.2f} peak_mib={_children_peak_mib():.0f}")


if __name__ == "__main__":
    main()
