"""Contrôles de sûreté avant lecture : format réel, classeur chiffré, bombe zip, entités XML.

Le fichier source n'est jamais modifié : tout se fait sur ses octets en mémoire.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kit.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    FileFormatError,
    UnsafeFileError,
)

#: Taille décompressée maximale d'un membre et de l'ensemble d'un classeur.
MAX_MEMBER = 1 << 30
MAX_TOTAL = 2 << 30
#: Au-delà de ce taux de compression (et de 50 Mo décompressés), le fichier est refusé.
MAX_RATIO = 200
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_EXT = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
_TEXT_EXT = {".csv", ".txt", ".tsv", ".tab", ".dat", ".prn"}


def detect_format(data: bytes, path: Path) -> str:
    """Format réel d'après les octets (« xlsx », « xlsm », « xls », « ods », « csv », « txt »)."""
    ext = path.suffix.lower()
    name = path.name
    if not data.strip(b"\x00 \t\r\n\xef\xbb\xbf"):
        raise EmptyFileError(
            f"Le fichier « {name} » est vide. Demandez au service de vous renvoyer son export.", path)
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
            raise CorruptFileError(
                f"Le fichier « {name} » est abîmé ou incomplet (archive illisible : {exc}). "
                "Demandez-en une nouvelle copie ou ouvrez-le dans Excel ou LibreOffice puis "
                "enregistrez-le à nouveau.", path) from None
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if "xl/workbook.xml" in names:
            return "xlsm" if ext == ".xlsm" else "xlsx"
        if "xl/workbook.bin" in names:
            raise FileFormatError(
                f"Le fichier « {name} » est un classeur binaire Excel (.xlsb), non pris en charge. "
                "Enregistrez-le au format .xlsx depuis Excel.", path)
        raise FileFormatError(
            f"Le fichier « {name} » est une archive zip qui n'est pas un classeur (.xlsx ou .ods). "
            "Vérifiez qu'il s'agit du bon fichier.", path)
    if data.startswith(_OLE):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise EncryptedFileError(
                f"Le classeur « {name} » est protégé par un mot de passe. Demandez au service une "
                "version sans mot de passe (Fichier > Informations > Protéger le classeur).", path)
        return "xls"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        raise FileFormatError(
            f"Le fichier « {name} » est une page HTML ou XML déguisée en tableur. Ouvrez-le dans "
            "Excel ou LibreOffice et enregistrez-le au format .xlsx ou .csv.", path)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if ext in _EXCEL_EXT:
            raise CorruptFileError(
                f"Le fichier « {name} » porte l'extension {ext} mais n'est pas un classeur lisible "
                "(contenu abîmé ou d'un autre format). Demandez-en une nouvelle copie.", path)
        raise FileFormatError(
            f"Le fichier « {name} » n'est ni un classeur ni un fichier texte (format « {ext or '?'} "
            "» non pris en charge). Formats acceptés : .xlsx, .xlsm, .xls, .ods, .csv, .txt.", path)
    if ext in _EXCEL_EXT:
        raise CorruptFileError(
            f"Le fichier « {name} » porte l'extension {ext} mais contient du texte, pas un "
            "classeur. Renommez-le en .csv s'il s'agit d'un export texte, ou demandez le bon "
            "fichier.", path)
    if ext and ext not in _TEXT_EXT:
        raise FileFormatError(
            f"Le format « {ext} » du fichier « {name} » n'est pas pris en charge. Formats "
            "acceptés : .xlsx, .xlsm, .xls, .ods, .csv, .txt.", path)
    return "txt" if ext in (".txt", ".tsv", ".tab", ".dat", ".prn") else "csv"


def check_zip(data: bytes, path: Path, keep: str = "") -> dict[str, bytes]:
    """Refuse les bombes zip et les entités XML avant de confier l'archive au lecteur.

    Chaque membre est décompressé par morceaux, sans jamais dépasser la taille annoncée
    (une taille mensongère est refusée), et le début de chaque XML est inspecté : une
    déclaration `<!DOCTYPE` ou `<!ENTITY` n'a rien à faire dans un classeur. Renvoie le
    contenu décompressé des membres dont le nom commence par `keep` (aucun si `keep` est
    vide), pour qu'ils ne soient pas décompressés une seconde fois : b"" pour un membre sans
    aucune formule (« <f »).
    """
    name = path.name
    total = 0
    kept: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if info.flag_bits & 0x1:
                    raise EncryptedFileError(
                        f"Le classeur « {name} » est chiffré. Demandez une version sans mot de "
                        "passe.", path)
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > MAX_MEMBER or total > MAX_TOTAL or (
                        ratio > MAX_RATIO and info.file_size > 50 << 20):
                    raise UnsafeFileError(_bomb(name), path)
                content = _inflate_checked(_chunks(z, data, info), info, name, path,
                                           bool(keep) and info.filename.startswith(keep))
                if content is not None:
                    kept[info.filename] = content
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError) as exc:
        raise CorruptFileError(
            f"Le fichier « {name} » est abîmé ou tronqué ({type(exc).__name__} : {exc}). "
            "Demandez-en une nouvelle copie au service.", path) from None
    return kept


def _bomb(name: str) -> str:
    return (f"Le fichier « {name} » se décompresse en une taille démesurée (bombe zip "
            "probable) : il n'a pas été lu. Vérifiez sa provenance.")


def _chunks(z: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Contenu décompressé d'un membre, par morceaux d'au plus 1 Mo.

    Un membre « deflate » est décompressé directement par zlib dans les octets de l'archive
    (deux fois moins cher que par `zipfile`), somme de contrôle CRC-32 vérifiée à la fin
    comme `zipfile` le fait ; les autres passent par `zipfile`.
    """
    if info.compress_type != zipfile.ZIP_DEFLATED:
        with z.open(info) as member:
            while chunk := member.read(1 << 20):
                yield chunk
        return
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"en-tête local absent pour {info.filename}")
    start = at + 30 + int.from_bytes(data[at + 26:at + 28], "little") \
        + int.from_bytes(data[at + 28:at + 30], "little")
    rest: bytes | memoryview = memoryview(data)[start:start + info.compress_size]
    inflate, crc = zlib.decompressobj(-15), 0
    while rest:
        chunk = inflate.decompress(rest, 1 << 20)
        rest = inflate.unconsumed_tail
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if not inflate.eof:
        raise EOFError(f"membre {info.filename} tronqué")
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"somme de contrôle fausse pour {info.filename}")


def _has_pair(chunk: bytes, pair: bytes) -> bool:
    """Les deux octets `pair` se suivent-ils dans `chunk` ? Comparaison numpy : cinq fois
    moins chère que `pair in chunk` dans un XML où « < » revient à chaque balise."""
    arr = np.frombuffer(chunk, np.uint8)
    return bool(((arr[:-1] == pair[0]) & (arr[1:] == pair[1])).any())


def _inflate_checked(chunks: Iterator[bytes], info: zipfile.ZipInfo, name: str, path: Path,
                     keep: bool = False, keep_tag: bytes = b"<f") -> bytes | None:
    """Décompresse le membre (`chunks`) en vérifiant sa taille réelle. `keep` : renvoie aussi
    son contenu s'il contient `keep_tag` (des formules : « <f »), b"" sinon."""
    got = 0
    kept: list[bytes] = []
    has_tag = False
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        if first and info.filename.endswith((".xml", ".rels", ".vml")):
            head = chunk[:4096].upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnsafeFileError(
                    f"Le fichier « {name} » contient des déclarations d'entités XML "
                    f"(membre {info.filename}), une technique d'attaque : il n'a pas été lu. "
                    "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau.", path)
        first = False
        got += len(chunk)
        if got > info.file_size or got > MAX_MEMBER:
            raise UnsafeFileError(_bomb(name), path)
        if keep:
            kept.append(chunk)
            # cherché pendant que le morceau est en cache ; « <f » à cheval compris
            has_tag = has_tag or _has_pair(chunk, keep_tag) or (
                len(kept) > 1 and kept[-2][-1:] + chunk[:1] == keep_tag)
    if not keep:
        return None
    return b"".join(kept) if has_tag else b""
