"""Chargement des tableurs des services : fichier brut → DataFrame propre + provenance.

`load_table` lit .xlsx, .xlsm, .xls, .ods, .csv et .txt tels que les services les envoient
(blocs de titre, en-têtes sur deux lignes, totaux, notes, nombres et dates à la française…) et
consigne dans `df.attrs["source"]` d'où vient chaque valeur et ce qui a été écarté.
Le fichier source n'est jamais modifié : il est lu une fois, en mémoire.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import python_calamine as pc

from kit import _written
from kit._parse import Distinct, column_letter, normalize_label
from kit.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    HeaderNotFoundError,
    KitError,
    SheetNotFoundError,
)
from kit.io import _junk, _layout, _overrides, _reading, _totals
from kit.io._reading import Reading, describe_reading
from kit.io._safety import check_zip, detect_format
from kit.io._text import read_text
from kit.io._types import convert_column
from kit.io._xlsx_writer import save_workbook
from kit.schemas import load_schema, match_columns

logger = logging.getLogger(__name__)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # signature d'un classeur .xls (OLE)

__all__ = ["RawTable", "Reading", "check_zip", "describe_reading", "detect_format", "list_tables",
           "load_table", "read_cells",
           "save_workbook"]


class RawTable(NamedTuple):
    """Cellules d'une feuille telles qu'écrites (`read_cells`)."""

    path: Path
    data: bytes
    format: str
    info: dict[str, Any]
    cells: pd.DataFrame
    merged: list


def _read_source(source: str | Path) -> tuple[Path, bytes]:
    path = Path(source).expanduser()
    if path.is_dir():
        raise KitError(f"« {path} » est un dossier, pas un fichier. Indiquez le chemin d'un "
                       "fichier .xlsx, .ods ou .csv.", path)
    try:
        return path.resolve(), path.read_bytes()
    except FileNotFoundError:
        raise KitError(f"Le fichier « {path} » est introuvable. Vérifiez le chemin et le nom "
                       "du fichier (dossier courant : lancez le notebook depuis le projet).",
                       path) from None
    except PermissionError:
        raise KitError(f"Le fichier « {path} » ne peut pas être lu (droits insuffisants ou "
                       "fichier ouvert et verrouillé par un autre programme).", path) from None


def _damaged_zip(path: Path, exc: Exception) -> CorruptFileError:
    """Archive que `zipfile` refuse (version ou méthode de compression inconnue) : abîmée."""
    return CorruptFileError(
        f"Le classeur « {path.name} » est abîmé ou tronqué et ne peut pas être lu "
        f"({type(exc).__name__} : {_short(exc)}). Ouvrez-le dans Excel ou LibreOffice et "
        "enregistrez-le à nouveau, ou demandez-en une nouvelle copie.", path)


def _open_workbook(data: bytes, path: Path, fmt: str
                   ) -> tuple[pc.CalamineWorkbook, dict[str, bytes]]:
    """(classeur, feuilles xml décompressées par le contrôle de l'archive, pour y chercher
    ensuite les formules sans valeur sans les décompresser à nouveau)."""
    members: dict[str, bytes] = {}
    if fmt != "xls":
        try:
            members = check_zip(data, path, _reading.formula_members(data))
        except NotImplementedError as exc:
            raise _damaged_zip(path, exc) from None
    try:
        return pc.CalamineWorkbook.from_path(str(path)), members
    except pc.PasswordError:
        raise EncryptedFileError(
            f"Le classeur « {path.name} » est protégé par un mot de passe. Demandez au service "
            "une version sans mot de passe.", path) from None
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError, TypeError) as exc:
        raise CorruptFileError(
            f"Le classeur « {path.name} » est abîmé ou tronqué et ne peut pas être lu "
            f"({type(exc).__name__} : {_short(exc)}). Ouvrez-le dans Excel ou LibreOffice et "
            "enregistrez-le à nouveau, ou demandez-en une nouvelle copie.", path) from None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else ""


def _pick_sheet(wb: pc.CalamineWorkbook, sheet: str | int | None, path: Path) -> list[str]:
    """Feuilles candidates, dans l'ordre : la feuille demandée, ou toutes (première non vide)."""
    names = list(wb.sheet_names)
    if not names:
        raise EmptyFileError(f"Le classeur « {path.name} » ne contient aucune feuille.", path)
    if sheet is None:
        return names
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return [names[sheet]]
        raise SheetNotFoundError(
            f"Le classeur « {path.name} » n'a pas de feuille n° {sheet} (il en a {len(names)}, "
            f"numérotées de 0 à {len(names) - 1}) : {', '.join(names)}.", path)
    if sheet in names:
        return [sheet]
    wanted = normalize_label(sheet)
    for name in names:
        if normalize_label(name) == wanted:
            return [name]
    raise SheetNotFoundError(
        f"La feuille « {sheet} » n'existe pas dans « {path.name} ». Feuilles disponibles : "
        f"{', '.join(repr(n) for n in names)}.", path)


def _load_sheet(wb: pc.CalamineWorkbook, name: str, path: Path) -> tuple[list[list], list]:
    """Cellules (ligne 1 d'Excel = indice 0) et cellules fusionnées d'une feuille."""
    try:
        sh = wb.get_sheet_by_name(name)
        rows = sh.to_python(skip_empty_area=False)
        merged = list(getattr(sh, "merged_cell_ranges", None) or [])
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError, TypeError) as exc:
        raise CorruptFileError(
            f"La feuille « {name} » du classeur « {path.name} » est abîmée et ne peut pas être "
            f"lue ({type(exc).__name__} : {_short(exc)}).", path) from None
    return rows, merged


def _detect_format(data: bytes, path: Path) -> str:
    """`detect_format` sans recopier un gros fichier texte.

    Hors archive zip et classeur OLE, `detect_format` ne regarde que le début des octets et
    vérifie que le fichier n'est pas vide : le début non vide d'un gros fichier lui suffit
    (tests/test_io_fast_path.py vérifie l'équivalence).
    """
    head = data[:1 << 16]
    if len(data) > len(head) and not head.startswith((b"PK", _OLE)) and head.strip(
            b"\x00 \t\r\n\xef\xbb\xbf"):
        return detect_format(head, path)
    try:
        return detect_format(data, path)
    except NotImplementedError as exc:  # zipfile : « zip file version 8.4 »…
        raise _damaged_zip(path, exc) from None


class _Digest(threading.Thread):
    """Empreinte SHA-256 du fichier, calculée pendant la mise en forme du tableau (hashlib
    libère le GIL : un gros fichier est haché sur un autre cœur pendant ce temps)."""

    def __init__(self, data: bytes):
        super().__init__(daemon=True)
        self._data, self._value = data, None

    def begin(self) -> None:
        if len(self._data) >= 1 << 20:
            self.start()

    def run(self) -> None:
        self._value = hashlib.sha256(self._data).hexdigest()

    def result(self) -> str:
        if self.ident is None:  # petit fichier : haché sur place
            self.run()
        else:
            self.join()
        return self._value


def _frame(rows: list[list]) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame(rows, dtype=object, columns=range(width) if width else None)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _raw_table(source: str | Path, sheet: str | int | None, sep: str | None = None,
               encoding: str | None = None, fast: bool = True
               ) -> tuple[Path, bytes, str, dict[str, Any], pd.DataFrame, list]:
    """Fichier → (chemin, octets, format, infos, table brute indexée par ligne, fusions) ;
    `fast=False` : sans le chemin rapide des CSV."""
    path, data = _read_source(source)
    digest = _Digest(data)
    fmt = _detect_format(data, path)
    info: dict[str, Any] = {"sheet": None, "encoding": None, "delimiter": None,
                            "repaired_lines": [], "rejected_lines": [], "digest": digest}
    if fmt in ("csv", "txt"):
        if sheet not in (None, 0):
            raise SheetNotFoundError(
                f"Le fichier texte « {path.name} » n'a qu'une seule table : n'indiquez pas de "
                f"feuille (reçu {sheet!r}).", path)
        table = read_text(data, path, sep, encoding, fast)
        info.update(encoding=table.encoding, delimiter=table.delimiter,
                    misread=table.misread,
                    repaired_lines=table.repaired_lines, rejected_lines=table.rejected_lines,
                    unclosed_quotes=table.unclosed_quotes, glued_lines=table.glued_lines,
                    typed_body=table.typed_body, typed_header=table.typed_header,
                    hidden=table.placeholders)
        return path, data, fmt, info, table.raw, []
    wb, info["members"] = _open_workbook(data, path, fmt)
    for name in _pick_sheet(wb, sheet, path):  # sans feuille demandée : la première non vide
        rows, merged = _load_sheet(wb, name, path)
        if any(any(v not in ("", None) for v in r) for r in rows):
            break
    info["sheet"] = name
    return path, data, fmt, info, _frame(rows), merged


def read_cells(source: str | Path, sheet: str | int | None = None) -> RawTable:
    """Cellules d'une feuille (ou d'un CSV) telles qu'écrites, sans en-tête ni typage.

    Sert à relire ce que `load_table` a interprété : version d'un modèle dans son mode
    d'emploi, codes tels que saisis (avec leurs zéros), feuille d'identification.

    Parameters
    ----------
    source
        Fichier xlsx, xls, ods ou CSV.
    sheet
        Nom ou rang (0-based) de la feuille ; par défaut la première non vide.

    Returns
    -------
    RawTable
        ``cells`` est indexé par numéro de ligne du fichier (1-based) ; ``info`` donne la
        feuille lue, l'encodage et le séparateur d'un CSV, ses lignes réparées ou rejetées.

    Raises
    ------
    KitError
        Fichier absent, illisible, protégé, ou feuille introuvable.
    """
    path, data, fmt, info, cells, merged = _raw_table(source, sheet)
    info.pop("members", None)  # feuilles xml décompressées : utiles au seul `load_table`
    return RawTable(path, data, fmt, info, cells, merged)


def load_table(source: str | Path, sheet: str | int | None = None,
               schema: dict | str | Path | None = None, header_row: int | None = None,
               *, header: int | list[int] | None = None,
               skip_rows: int | list[int] | None = None,
               types: dict[str, str] | None = None, keep_totals: bool = False,
               sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Lit un tableur de service et renvoie un DataFrame propre.

    Parameters
    ----------
    source
        Chemin d'un fichier .xlsx, .xlsm, .xls, .ods, .csv ou .txt.
    sheet
        Nom ou numéro (à partir de 0) de la feuille ; par défaut la première feuille non vide.
    schema
        Schéma Table Schema (dictionnaire, chemin JSON ou nom d'un schéma du kit) : les colonnes
        reconnues sont renommées comme les champs du schéma et typées selon lui.
    header_row
        Numéro (à partir de 1, comme dans Excel) de la ligne d'en-tête, si la détection
        automatique se trompe.
    header
        Comme `header_row`, ou liste de lignes consécutives (`[4, 5]`) pour un en-tête sur
        plusieurs lignes.
    skip_rows
        Lignes à ignorer : un nombre (les N premières lignes) ou une liste de numéros de ligne
        (à partir de 1).
    types
        Type imposé par colonne : « code », « texte », « nombre », « entier », « date »,
        « booleen » (`{"code_commune": "code", "montant": "nombre"}`).
    keep_totals
        Garder les lignes de total et de sous-total parmi les données (elles sont écartées
        par défaut, après vérification par le calcul).
    sep, encoding
        Séparateur et encodage d'un fichier texte, s'ils sont mal devinés.

    Returns
    -------
    pandas.DataFrame
        Index = numéro de la ligne dans le fichier source ; `attrs["source"]` décrit la lecture
        (fichier, feuille, ligne d'en-tête, lettres des colonnes, lignes écartées, empreinte,
        totaux et colonnes de total vérifiés par le calcul, doutes) ; `kit.describe_reading`
        la résume en français. Chaque doute est aussi émis comme `ReadingDoubtWarning`.

    Raises
    ------
    KitError
        Fichier introuvable, vide, abîmé, protégé, dangereux, feuille absente… (message en
        français nommant le fichier et la marche à suivre).
    DataError
        Choix imposé qui contredit le fichier : ligne d'en-tête vide, colonne de `types`
        absente, type inconnu, encodage qui ne décode pas le fichier.
    """
    args = (source, sheet, schema, header_row, header, skip_rows, types, keep_totals, sep,
            encoding)
    # CSV : le chemin rapide est démenti quand le lecteur C a lu en nombre une cellule que les
    # analyseurs du kit refusent (« 12 34 », « ,5 ») ; le fichier est relu sans lui
    df = _load_table(*args, fast=True)
    return df if df is not None else _load_table(*args, fast=False)


def _load_table(source: str | Path, sheet: str | int | None,
                schema: dict | str | Path | None, header_row: int | None,
                header: int | list[int] | None, skip_rows: int | list[int] | None,
                types: dict[str, str] | None, keep_totals: bool, sep: str | None,
                encoding: str | None, fast: bool) -> pd.DataFrame | None:
    """`load_table` ; None si le chemin rapide des CSV est démenti (à relire avec
    `fast=False`)."""
    header_row, n_forced = _overrides.header_rows(header_row, header)
    path, data, fmt, info, raw, merged = _raw_table(source, sheet, sep, encoding, fast)
    info["digest"].begin()
    typed_body = info.pop("typed_body", None)
    typed_header = info.pop("typed_header", None)
    # valeurs de remplacement des colonnes numériques lues comme manquantes (CSV, chemin rapide)
    hidden: dict = info.pop("hidden", None) or {}
    if typed_body is not None and (header_row is not None or skip_rows):  # chemin ordinaire
        raw = _whole(raw, typed_body, hidden)
        typed_body, hidden = None, {}
    where = f"« {path.name} »" + (f", feuille « {info['sheet']} »" if info["sheet"] else "")
    distinct = Distinct()  # valeurs distinctes des colonnes du corps, calculées une fois
    if typed_body is None:  # chemin rapide : en-tête déjà nettoyé
        raw = _layout.strip_cells(raw)
    if raw.empty or not raw.notna().to_numpy().any():
        raise EmptyFileError(f"Le fichier {where} ne contient aucune donnée.", path)
    skipped = []
    if skip_rows:
        raw, skipped = _overrides.skip(raw, skip_rows, where, path)
    if header_row is not None:
        if not 1 <= header_row <= int(raw.index.max()):
            raise HeaderNotFoundError(
                f"La ligne d'en-tête {header_row} n'existe pas dans {where} ({len(raw)} lignes).",
                path)
        start = int(raw.index.get_indexer([header_row])[0])
        if start < 0:
            raise HeaderNotFoundError(f"La ligne {header_row} de {where} a été écartée.", path)
        n = n_forced
        _overrides.check_header(raw.iloc[start:start + n], where, path)
    else:
        start, n = typed_header or _layout.find_header(
            raw.iloc[:_layout.SAMPLE_ROWS].values.tolist(), merged)
    letters = [column_letter(i) for i in range(raw.shape[1])]
    dbase: dict[str, str] = {}  # descripteurs de type dBase retirés des libellés
    if start is None:
        labels = [""] * raw.shape[1]
        filled = raw.notna().sum(axis=1)
        first = filled.index[filled >= min(2, raw.shape[1])]
        body = raw.loc[first[0]:] if len(first) else raw
        titles = raw.loc[: first[0]].iloc[:-1] if len(first) else raw.iloc[:0]
    else:
        labels = _layout.header_labels(raw.iloc[: start + n].values.tolist(), start, n, merged)
        labels += [""] * (raw.shape[1] - len(labels))
        labels, dbase = _layout.strip_dbase(labels)
        body = raw.iloc[start + n:] if typed_body is None else \
            _layout.strip_cells(typed_body, distinct)
    motif, present = _junk.junk_codes(body, labels, hidden, distinct)
    motif, totals = _totals.check_rows(body, motif, labels, present, distinct)
    if keep_totals:
        motif = np.where(motif == 3, 0, motif)
    dropped = [{"ligne": int(body.index[p]), "motif": _junk.REASONS[motif[p]],
                "texte": _row_text(body.iloc[p], hidden)}
               for p in np.flatnonzero(motif >= 2).tolist()]
    if start is None:
        dropped = [{"ligne": int(i), "motif": "titre", "texte": _row_text(titles.loc[i])}
                   for i in titles.index if titles.loc[i].notna().any()] + dropped
    blank_rows = int((motif == 1).sum())
    kept = motif == 0
    # colonne non vide (valeurs de remplacement comprises)
    filled = present.any(axis=0) if kept.all() else present[kept].any(axis=0)
    if not kept.all():
        body = body[kept]
        distinct.keep_rows(kept, body)
    hidden = {c: cells[cells.index.isin(body.index)] for c, cells in hidden.items()}
    # une colonne vide garde son libellé, sauf si ce libellé n'est qu'une copie d'une fusion
    keep = [c for j, c in enumerate(body.columns) if filled[j] or (
        labels[c] and not (c > 0 and labels[c] == labels[c - 1]))]
    names = _layout.unique_labels([labels[c] for c in keep], [letters[c] for c in keep])
    fields, mapping = _match_schema(names, schema)
    forced = _overrides.forced_fields(types, names, fields, where, path)
    columns, types, placeholders, restored, written = {}, {}, {}, {}, {}
    for c, name in zip(keep, names):
        field = fields.get(name)
        out_name = field["name"] if field else name
        col, n_hidden = body[c], len(hidden.get(c, ()))
        if n_hidden and (field is not None or not col.notna().any()):
            col, n_hidden = _restore(col, hidden[c]), 0  # comme lues : chemin ordinaire
        if name in forced:
            values, kind, n_ph = _overrides.convert(col, name, forced[name])
        else:
            values, kind, n_ph = convert_column(col, name, field, distinct, c)
        columns[out_name] = values
        types[out_name] = kind
        if kind == "code" and (n_zero := _reading.restored_zeros(col, values)):
            restored[out_name] = n_zero
        if (forms := _written.written_forms(col, kind, distinct, c)) is not None:
            written[out_name] = forms
        if n_ph + n_hidden:
            placeholders[out_name] = n_ph + n_hidden
    df = pd.DataFrame(columns, index=body.index)
    df.index.name = "ligne"
    if df.empty and start is not None:
        logger.info("Aucune ligne de données sous l'en-tête de %s.", where)
    out_letters = {(fields[n]["name"] if n in fields else n): letters[c]
                   for c, n in zip(keep, names)}
    df.attrs["source"] = {
        "file": str(path), "format": fmt, "sheet": info["sheet"],
        "header_row": (int(raw.index[start]) if start is not None else None),
        "header_rows": n if start is not None else 0,
        "rows": len(df), "columns": out_letters, "dropped": dropped,
        "blank_rows": blank_rows, "placeholders": placeholders, "types": types,
        "encoding": info["encoding"], "delimiter": info["delimiter"],
        "repaired_lines": info["repaired_lines"], "rejected_lines": info["rejected_lines"],
        "unclosed_quotes": info.get("unclosed_quotes", []),
        "glued_lines": info.get("glued_lines", []),
        "header_mapping": mapping, "dbase_types": dbase, "sha256": info["digest"].result(),
        "totals": totals, "total_columns": _totals.check_columns(df),
        "skipped_rows": skipped, "keep_totals": keep_totals, "restored_zeros": restored,
        "layout_doubts": _overrides.type_doubts(forced, types) + (_reading.header_doubts(
            raw, start, n, int(raw.index[start])) if start is not None and header_row is None
            else []) + ([_reading.NO_HEADER] if start is None else []),
        "text_in_numbers": {n: mixed for n, k in types.items() if k == "texte" and (
            mixed := _reading.text_in_numbers(df[n])) is not None},
        "uncached_formulas": _reading.uncached_formulas(
            data, info["sheet"], info.pop("members", None)) if fmt in ("xlsx", "xlsm") else None,
    }
    # écritures non standard des valeurs converties (pour `validate`) ; hors de « source » :
    # le chemin rapide des CSV lit certains nombres sans garder leur écriture
    df.attrs["written"] = written
    if info.get("misread") is not None and info["misread"].get():
        return None
    doubts = _reading.collect_doubts(df.attrs["source"])
    df.attrs["source"]["doubts"] = doubts
    _reading.warn_doubts(doubts, where)
    return df


def _whole(raw: pd.DataFrame, typed_body: pd.DataFrame, hidden: dict) -> pd.DataFrame:
    """Table brute entière d'un CSV lu par le chemin rapide : lignes jusqu'à l'en-tête, puis
    corps typé, valeurs de remplacement remises à leur place."""
    typed_body = typed_body.astype(object)
    for c, cells in hidden.items():
        typed_body.loc[cells.index, c] = cells.to_numpy()
    return pd.concat([raw.astype(object), typed_body])


def _row_text(row: pd.Series, hidden: dict | None = None) -> str:
    values = row.tolist()
    for c, cells in (hidden or {}).items():
        if row.name in cells.index:
            values[row.index.get_loc(c)] = cells[row.name]
    parts = [_layout.label_text(v) for v in values if not _layout.is_blank_cell(v)]
    return " | ".join(parts)[:200]


def _restore(col: pd.Series, cells: pd.Series) -> pd.Series:
    """Colonne numérique où les valeurs de remplacement (lues comme manquantes) retrouvent leur
    texte : elle passe alors par les analyseurs du kit comme une colonne lue telle quelle."""
    out = col.astype(object)
    out[cells.index] = cells.to_numpy()
    return out


def _match_schema(names: list[str], schema: dict | str | Path | None
                  ) -> tuple[dict[str, dict], dict[str, str | None] | None]:
    """Associe les colonnes aux champs du schéma (casse, accents, espaces, soulignés ignorés)."""
    if schema is None:
        return {}, None
    spec = load_schema(schema)
    mapping = match_columns(names, spec.get("fields", []))
    by_name = {f["name"]: f for f in spec.get("fields", [])}
    fields = {col: by_name[name] for name, col in mapping.items() if col is not None}
    return fields, mapping


def list_tables(path: str | Path) -> pd.DataFrame:
    """Liste les feuilles d'un classeur (ou la table d'un CSV) avec ce que chacune contient.

    Returns
    -------
    pandas.DataFrame
        Une ligne par feuille : feuille, numero, lignes, colonnes, en_tete (ligne, à partir de 1),
        apercu (premiers libellés), contenu (« tableau de données », « notes / métadonnées »,
        « vide »).
    """
    src, data = _read_source(path)
    fmt = _detect_format(data, src)
    if fmt in ("csv", "txt"):
        sheets: list[tuple[str | None, pd.DataFrame, list]] = []
        table = read_text(data, src)
        raw = table.raw if table.typed_body is None else _whole(table.raw, table.typed_body,
                                                                table.placeholders)
        sheets.append((None, raw, []))
    else:
        wb, _ = _open_workbook(data, src, fmt)
        sheets = []
        for name in wb.sheet_names:
            rows, merged = _load_sheet(wb, name, src)
            sheets.append((name, _frame(rows), merged))
    out = []
    for number, (name, raw, merged) in enumerate(sheets):
        raw = _layout.strip_cells(raw)
        filled = raw.notna()
        n_cells = int(filled.to_numpy().sum()) if not raw.empty else 0
        rows_used = int(filled.any(axis=1).sum()) if n_cells else 0
        cols_used = int(filled.any(axis=0).sum()) if n_cells else 0
        start, n = _layout.find_header(raw.iloc[:_layout.SAMPLE_ROWS].values.tolist(), merged) \
            if n_cells else (None, 0)
        if not n_cells:
            content = "vide"
        elif start is None or cols_used < 2 or rows_used - n < 2:
            content = "notes / métadonnées"
        else:
            content = "tableau de données"
        preview = ""
        if start is not None:
            labels = _layout.header_labels(raw.iloc[: start + n].values.tolist(), start, n, merged)
            preview = ", ".join([lab for lab in labels if lab][:6])
        out.append({"feuille": name, "numero": number, "lignes": rows_used,
                    "colonnes": cols_used,
                    "en_tete": int(raw.index[start]) if start is not None else None,
                    "apercu": preview, "contenu": content})
    return pd.DataFrame(out)
