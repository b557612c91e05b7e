"""Rapports des élus accessibles : contrastes, daltonisme, noir et blanc, texte de remplacement
des graphiques, et captures d'écran du premier écran de chaque rapport, pour relecture.

Les formules sont écrites ici, indépendamment du kit :

- contraste des WCAG 2.1 : luminance relative ``L = 0,2126 R + 0,7152 G + 0,0722 B`` (composantes
  linéarisées de sRVB), rapport ``(L1 + 0,05) / (L2 + 0,05)`` ; au moins 4,5:1 pour un texte,
  3:1 pour un élément graphique (critères 1.4.3 et 1.4.11) ;
- vision des couleurs simulée par les matrices de Machado, Oliveira et Fernandes (2009, sévérité
  1,0), appliquées aux composantes linéaires ; écart de couleur CIE 1976 (ΔE*ab) dans CIELAB,
  blanc D65.

Les rapports viennent de la fixture ``reports`` (``conftest.py``) : un seul passage de
`kit rapport` pour ce module et ``test_elus.py``.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kit.charts import ALERT_COLOR, HIGHLIGHT, OTHERS, PALETTE, STATUS_COLORS

bs4 = pytest.importorskip("bs4", reason="BeautifulSoup (bs4, apporté par nbconvert) absent")

CAPTURES = Path(__file__).resolve().parents[1] / "build" / "captures"

# ------------------------------------------------------------------ couleurs


def _linear(color: str) -> list[float]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _luminance(color: str) -> float:
    r, g, b = _linear(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(color: str, background: str = "#FFFFFF") -> float:
    light, dark = sorted((_luminance(color), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


MACHADO = {
    "deutéranopie": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "protanopie": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "tritanopie": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
_SRGB_TO_XYZ = ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505))


def _lab(linear: list[float]) -> tuple[float, float, float]:
    rgb = [min(1.0, max(0.0, c)) for c in linear]
    white = [sum(row) for row in _SRGB_TO_XYZ]
    xyz = [sum(m * c for m, c in zip(row, rgb)) / w for row, w in zip(_SRGB_TO_XYZ, white)]
    f = [t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def seen(color: str, deficiency: str | None) -> tuple[float, float, float]:
    """Couleur CIELAB vue avec une déficience (None : vision ordinaire)."""
    linear = _linear(color)
    if deficiency is not None:
        linear = [sum(m * c for m, c in zip(row, linear)) for row in MACHADO[deficiency]]
    return _lab(linear)


def delta_e(a: str, b: str, deficiency: str | None) -> float:
    return sum((x - y) ** 2 for x, y in zip(seen(a, deficiency), seen(b, deficiency))) ** 0.5


def test_contrast_formula_reference_values() -> None:
    """La formule du test redonne les valeurs publiées : noir sur blanc 21:1, #767676 4,54:1."""
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast("#FFFFFF") == pytest.approx(1.0)


def test_graphic_colours_reach_3_to_1() -> None:
    """Séries, mise en avant, gris des « autres », statuts et alerte : 3:1 au moins sur blanc."""
    colours = {*PALETTE, HIGHLIGHT, OTHERS, *STATUS_COLORS.values(), ALERT_COLOR}
    weak = {c: round(contrast(c), 2) for c in colours if contrast(c) < 3.0}
    assert weak == {}


def test_status_colours_are_text_colours() -> None:
    """Les statuts s'écrivent en couleur dans les tableaux : 4,5:1 au moins."""
    weak = {s: c for s, c in STATUS_COLORS.items() if contrast(c) < 4.5}
    assert weak == {}


@pytest.mark.parametrize("deficiency", [None, *MACHADO])
def test_palette_distinct_for_colour_blind_readers(deficiency: str | None) -> None:
    """Les six premières couleurs des séries restent distinctes deux à deux (ΔE ≥ 15), et la
    collectivité mise en avant reste distincte des autres, quelle que soit la vision."""
    pairs = {(a, b): delta_e(a, b, deficiency) for a, b in itertools.combinations(PALETTE[:6], 2)}
    closest = min(pairs, key=pairs.get)
    assert pairs[closest] >= 15, (deficiency, closest, round(pairs[closest], 1))
    assert delta_e(HIGHLIGHT, OTHERS, deficiency) >= 15


def test_simulation_reference() -> None:
    """Témoin de la simulation : un rouge et un vert de même clarté, très distincts en vision
    ordinaire, se confondent en deutéranopie ; le bleu et le jaune restent distincts."""
    assert delta_e("#CC3333", "#669933", None) > 90
    assert delta_e("#CC3333", "#669933", "deutéranopie") < 10
    assert delta_e("#0000FF", "#FFFF00", "deutéranopie") > 150


# ------------------------------------------------------------------ figures des rapports

_DECODER = json.JSONDecoder()
_COMMA = re.compile(r"\s*,\s*")


def figures(page: str) -> list[dict[str, Any]]:
    """Figures plotly d'une page : arguments de chaque ``Plotly.newPlot(id, data, layout, …)``."""
    found = []
    for match in re.finditer(r"Plotly\.newPlot\(\s*", page):
        at, values = match.end(), []
        for _ in range(3):
            value, at = _DECODER.raw_decode(page, at)
            values.append(value)
            at = _COMMA.match(page, at).end()
        found.append({"id": values[0], "data": values[1], "layout": values[2]})
    return found


def _report_figures(reports: tuple[Path, list[Path]]) -> list[tuple[str, dict[str, Any]]]:
    return [(report.name, fig) for report in reports[1]
            for fig in figures(report.read_text(encoding="utf-8"))]


def _plain(text: str) -> str:
    """Texte sans balise ni entité, ponctuation et espaces réduits à une espace."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(re.sub(r"[\W_]+", " ", text).split()).lower()


def test_each_chart_has_its_finding_as_text_alternative(
        reports: tuple[Path, list[Path]]) -> None:
    """Chaque graphique d'un rapport des élus est dans un ``<figure>`` dont la légende
    (``<figcaption>``, son nom pour un lecteur d'écran) dit le constat écrit en titre."""
    missing, seen_charts = [], 0
    for report in reports[1]:
        page = report.read_text(encoding="utf-8")
        titles = {f["id"]: f["layout"].get("title", {}).get("text", "") for f in figures(page)}
        soup = bs4.BeautifulSoup(page, "html.parser")
        for div in soup.select("div.plotly-graph-div"):
            seen_charts += 1
            figure = div.find_parent("figure")
            caption = figure.find("figcaption") if figure else None
            text = caption.get_text(" ", strip=True) if caption else ""
            title = titles.get(div.get("id"), "")
            if not text or not title or _plain(text) != _plain(title):
                missing.append((report.name, title[:60], text[:60]))
    assert seen_charts >= 20, seen_charts  # 31 graphiques dans l'exemple
    assert missing == []


def _cues(trace: dict[str, Any], size: int) -> list[tuple[str, str]]:
    """Indices autres que la couleur, point par point : symbole et hachures."""
    marker = trace.get("marker", {})
    symbol = marker.get("symbol", "")
    shape = (marker.get("pattern") or {}).get("shape", "")
    symbols = symbol if isinstance(symbol, list) else [symbol] * size
    shapes = shape if isinstance(shape, list) else [shape] * size
    return list(zip(map(str, symbols), map(str, shapes)))


def _signature(trace: dict[str, Any]) -> str:
    marker, line = trace.get("marker", {}), trace.get("line", {})
    return json.dumps([trace.get("type"), trace.get("mode"), trace.get("fill"),
                       marker.get("symbol"), (marker.get("pattern") or {}).get("shape"),
                       line.get("dash")], sort_keys=True)


def test_charts_readable_in_black_and_white(reports: tuple[Path, list[Path]]) -> None:
    """La couleur ne porte jamais seule un sens : deux séries de la légende diffèrent aussi par
    le trait, le symbole, les hachures ou le remplissage ; dans une série aux points de
    plusieurs couleurs, symbole et hachures disent la couleur de chaque point."""
    found = []
    for name, fig in _report_figures(reports):
        title = fig["layout"].get("title", {}).get("text", "")[:50]
        legend = [t for t in fig["data"] if t.get("showlegend", True) is not False
                  and t.get("name") and t.get("type") in ("bar", "scatter", "scatterpolar")]
        signatures = [_signature(t) for t in legend]
        if len(set(signatures)) < len(signatures):
            found.append((name, title, "séries distinguées par la seule couleur"))
        for trace in fig["data"]:
            colours = (trace.get("marker") or {}).get("color")
            if not isinstance(colours, list) or len({str(c) for c in colours}) < 2:
                continue
            cues = _cues(trace, len(colours))
            by_cue: dict[tuple[str, str], set[str]] = {}
            for colour, cue in zip(colours, cues):
                by_cue.setdefault(cue, set()).add(str(colour))
            if any(len(c) > 1 for c in by_cue.values()):
                found.append((name, title, f"points de couleurs différentes sous un même "
                                           f"symbole : {by_cue}"))
    assert found == []


_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b")
_CSS_COLOUR = re.compile(r"(?<![\w-])color:\s*(#[0-9A-Fa-f]{3,6})\b")


def _text_colours(node: Any, key: str = "") -> list[str]:
    """Couleurs de texte d'une figure : ``font.color`` partout, couleurs des évolutions d'un
    indicateur, et ``color:`` des ``<span style>`` écrits dans les textes."""
    found: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("font", "textfont", "increasing", "decreasing") and isinstance(v, dict):
                colour = v.get("color")
                found += [c for c in (colour if isinstance(colour, list) else [colour])
                          if isinstance(c, str) and _HEX.fullmatch(c)]
            found += _text_colours(v, k)
    elif isinstance(node, list):
        for v in node:
            found += _text_colours(v, key)
    elif isinstance(node, str):
        found += _CSS_COLOUR.findall(node)
    return found


def test_text_colours_reach_4_5_to_1(reports: tuple[Path, list[Path]]) -> None:
    """Tout texte écrit en couleur dans un rapport des élus (graphiques, tableaux) atteint
    4,5:1 sur fond blanc (les tableaux plotly : sur le fond de leur en-tête ou de leurs
    cellules)."""
    weak, counted = set(), 0
    for name, fig in _report_figures(reports):
        for trace in fig["data"]:
            if trace.get("type") == "table":  # texte sur le fond de ses cases
                for part in ("header", "cells"):
                    fill = (trace.get(part, {}).get("fill") or {}).get("color", "#FFFFFF")
                    font = (trace.get(part, {}).get("font") or {}).get("color", "#000000")
                    if isinstance(fill, str) and isinstance(font, str) and _HEX.fullmatch(
                            fill) and _HEX.fullmatch(font):
                        counted += 1
                        if contrast(font, fill) < 4.5:
                            weak.add((name, part, font, fill))
                continue
            for colour in _text_colours(trace):
                counted += 1
                if contrast(colour) < 4.5:
                    weak.add((name, colour))
        layout = {k: v for k, v in fig["layout"].items() if k != "template"}
        layout["template_font"] = fig["layout"].get("template", {}).get("layout", {}).get(
            "font", {})
        for colour in _text_colours({"font": layout.pop("template_font"), **layout}):
            counted += 1
            if contrast(colour) < 4.5:
                weak.add((name, colour))
    for report in reports[1]:  # tableaux mis en forme par pandas (statuts en couleur)
        soup = bs4.BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
        for style in soup.find_all("style"):
            if "#T_" not in style.get_text():
                continue
            for colour in _CSS_COLOUR.findall(style.get_text()):
                counted += 1
                if contrast(colour) < 4.5:
                    weak.add((report.name, colour))
    assert counted >= 50, counted
    assert weak == set(), sorted(weak)


# ------------------------------------------------------------------ captures d'écran

SCREENS = {"telephone": (390, 844), "ordinateur": (1280, 800)}


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")


def capture(browser: str, page: Path, target: Path, width: int, height: int,
            work: Path) -> Path:
    """Premier écran de `page` vu dans une fenêtre de `width` × `height` pixels CSS.

    Chromium sans fenêtre n'ouvre pas de fenêtre de moins de 500 pixels : la page est placée
    dans un cadre (``<iframe>``) à la largeur voulue, qui est la largeur vue par la page et
    ses règles ``@media``, puis l'image est recadrée."""
    from PIL import Image

    frame = work / f"cadre_{target.stem}.html"
    frame.write_text(
        f'<!doctype html><html><body style="margin:0"><iframe src="{page.as_uri()}" '
        f'style="border:0;display:block;width:{width}px;height:{height}px"></iframe>'
        "</body></html>", encoding="utf-8")
    raw = work / f"brut_{target.name}"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={work / 'profil'}", "--virtual-time-budget=15000",
         f"--window-size={max(width, 500)},{height}", f"--screenshot={raw}", frame.as_uri()],
        capture_output=True, timeout=180, check=False)
    assert raw.is_file(), f"Chromium n'a pas écrit de capture pour {page.name}"
    Image.open(raw).crop((0, 0, width, height)).save(target)
    return target


def test_first_screen_captures(reports: tuple[Path, list[Path]],
                               tmp_path: Path) -> None:
    """Premier écran de chaque rapport des élus, sur un téléphone et sur un ordinateur, écrit
    dans build/captures/ (ignoré par git) pour relecture : les images existent, à la bonne
    taille, et ne sont pas blanches."""
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium absent : pas de capture d'écran")
    image = pytest.importorskip("PIL.Image", reason="Pillow absent")
    CAPTURES.mkdir(parents=True, exist_ok=True)
    blank = []
    for report in reports[1]:
        for screen, (width, height) in SCREENS.items():
            shot = capture(browser, report, CAPTURES / f"{report.stem}_{screen}.png",
                           width, height, tmp_path)
            with image.open(shot) as png:
                assert png.size == (width, height)
                levels = png.convert("L").histogram()  # pixels par niveau de gris, 0 à 255
                ink = sum(levels[:200])  # pixels nettement plus sombres que le fond blanc
                if ink < 0.02 * width * height or sum(1 for n in levels if n) < 16:
                    blank.append(shot.name)
    print(f"Captures d'écran des rapports des élus : {CAPTURES}")
    assert blank == []
