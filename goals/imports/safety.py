"""Checks an uploaded file before openpyxl is allowed to open it.

openpyxl trusts its input: it inflates every part of the zip in memory, so a
few kilobytes of crafted .xlsx can expand to gigabytes (a zip bomb). The
checks here look at the raw bytes and the zip directory first, then inflate
each part in small chunks with a running total, so nothing large is ever held.
Each refusal says in Japanese what is wrong and what to do.
"""

import zipfile
import zlib
from io import BytesIO

from django.conf import settings

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 and password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
# A password-protected .xlsx is an OLE container holding this stream.
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_ZIP_MEMBERS = 5000
_CHUNK = 64 * 1024


CORRUPT = "ブックが壊れているため読み込めません。Excel で開けるか確かめ、保存し直してから選んでください。"


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


def check_workbook_bytes(data: bytes) -> None:
    """Refuse anything that is not a plain, unencrypted, reasonably sized .xlsx."""
    if not data:
        raise WorkbookRejected("ファイルが空です（0 バイト）。Excel ブック（.xlsx）を選んでください。")
    check_upload_size(len(data))
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise WorkbookRejected(
                "パスワードで保護されたブックは読み込めません。"
                "Excel でパスワードを解除して保存し直してから選んでください。"
            )
        raise WorkbookRejected(
            "古い形式の Excel ファイル（.xls）は読み込めません。"
            "Excel で「Excel ブック（.xlsx）」として保存し直してから選んでください。"
        )
    if not data.startswith(ZIP_MAGIC):
        raise WorkbookRejected(
            "Excel ブック（.xlsx）ではありません。取組シートの .xlsx ファイルを選んでください。"
        )
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            _check_archive(archive)
    except WorkbookRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError):
        raise WorkbookRejected(CORRUPT) from None


def _check_archive(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRejected(
            "Excel ブック（.xlsx）ではありません。取組シートの .xlsx ファイルを選んでください。"
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise WorkbookRejected(
            "パスワードで保護されたブックは読み込めません。"
            "Excel でパスワードを解除して保存し直してから選んでください。"
        )
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


def _too_large(size: int, limit: int) -> WorkbookRejected:
    return WorkbookRejected(
        f"ブックを展開すると大きすぎます（{megabytes(size)} 以上、上限 {megabytes(limit)}）。"
        "取組シートの内容だけを残したブックを選んでください。"
    )
