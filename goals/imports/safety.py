"""Checks an uploaded file before any reader is allowed to open it, and tells what kind of file it is.

Spreadsheet readers trust their input: they inflate every part of the zip in
memory, so a few kilobytes of crafted .xlsx or .ods can expand to gigabytes
(a zip bomb). The checks here look at the raw bytes and the zip directory
first, then inflate each part in small chunks with a running total, so
nothing large is ever held. Each refusal says in Japanese what is wrong and
what to do. check_workbook_bytes() returns the kind (grid.XLSX, XLSM, ODS,
XLS or CSV).
"""

import zipfile
import zlib
from io import BytesIO

from django.conf import settings

from goals.imports.grid import CSV, ODS, XLS, XLSM, XLSX

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 and password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
# A password-protected .xlsx is an OLE container holding this stream.
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_ZIP_MEMBERS = 5000
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CHUNK = 64 * 1024


CORRUPT = "ブックが壊れているため読み込めません。Excel で開けるか確かめ、保存し直してから選んでください。"
PROTECTED = (
    "パスワードで保護されたブックは読み込めません。"
    "Excel でパスワードを解除して保存し直してから選んでください。"
)
NOT_A_WORKBOOK = (
    "取組シートのファイルではありません。Excel ブック（.xlsx・.xlsm・.xls）、"
    "OpenDocument スプレッドシート（.ods）または CSV を選んでください。"
)


class WorkbookRejected(ValueError):
    """The file cannot be read as a workbook; the message says why in Japanese."""


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_upload_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise WorkbookRejected(
            f"ファイルが大きすぎます（{megabytes(size)}）。読み込めるのは {megabytes(limit)} までです。"
        )


def check_workbook_bytes(data: bytes, *, text_allowed: bool = True) -> str:
    """Refuse anything that is not a plain, unencrypted, reasonably sized workbook; say which kind it is."""
    if not data:
        raise WorkbookRejected("ファイルが空です（0 バイト）。取組シートのファイルを選んでください。")
    check_upload_size(len(data))
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise WorkbookRejected(PROTECTED)
        return XLS
    if not data.startswith(ZIP_MAGIC):
        if text_allowed and b"\x00" not in data[:65536]:
            return CSV
        raise WorkbookRejected(NOT_A_WORKBOOK)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return _check_archive(archive)
    except WorkbookRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError):
        raise WorkbookRejected(CORRUPT) from None


def _kind(archive: zipfile.ZipFile, names) -> str:
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        if "content.xml" not in names:
            raise WorkbookRejected(CORRUPT)
        if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise WorkbookRejected(PROTECTED)
        return ODS
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRejected(NOT_A_WORKBOOK)
    return XLSM if "xl/vbaProject.bin" in names else XLSX


def _check_archive(archive: zipfile.ZipFile) -> str:
    members = archive.infolist()
    names = {member.filename for member in members}
    if any(member.flag_bits & 0x1 for member in members):
        raise WorkbookRejected(PROTECTED)
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    declared = sum(member.file_size for member in members)
    if len(members) > MAX_ZIP_MEMBERS or declared > limit:
        raise _too_large(declared, limit)
    # The directory may lie about sizes: count what actually comes out.
    inflated = 0
    for member in members:
        with archive.open(member) as part:
            while chunk := part.read(_CHUNK):
                inflated += len(chunk)
                if inflated > limit:
                    raise _too_large(inflated, limit)
    return _kind(archive, names)


def _too_large(size: int, limit: int) -> WorkbookRejected:
    return WorkbookRejected(
        f"ブックを展開すると大きすぎます（{megabytes(size)} 以上、上限 {megabytes(limit)}）。"
        "取組シートの内容だけを残したブックを選んでください。"
    )
