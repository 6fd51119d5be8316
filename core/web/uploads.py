"""What an uploaded file really is, told by its bytes (magic numbers), never by the client's content type.

Every upload route checks its file here before anything is stored: a size limit and a list of allowed
kinds. The extension only has to agree with the content (a PDF renamed to .docx is refused), it never
decides on its own. Plugins reach this through `core.plugins.api`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection
from pathlib import PurePath

from core.errors import DomainError
from core.i18n import N_

TEXT_KINDS = frozenset({"csv", "txt", "json"})
"""Text formats: the content must be UTF-8 without NUL bytes; which one it is, the parser finds out."""
OFFICE_TYPES = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".docx": "docx", ".xlsx": "xlsx",
              ".pptx": "pptx", ".csv": "csv", ".tsv": "csv", ".txt": "txt", ".json": "json", ".jsonl": "json",
              ".ndjson": "json"}
LABELS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "docx": "DOCX", "xlsx": "XLSX", "pptx": "PPTX",
          "csv": "CSV", "txt": "TXT", "json": "JSON"}
MAX_MANIFEST = 1024 * 1024
"""[Content_Types].xml larger than this is not an office document (and is not unpacked: zip bombs)."""


def _family(kind: str) -> str:
    return "text" if kind in TEXT_KINDS else kind


def _office_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_MANIFEST:
                return None
            manifest = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, NotImplementedError, RuntimeError):
        return None
    return next((kind for kind, marker in OFFICE_TYPES.items() if marker in manifest), None)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _text_problem(data: bytes) -> tuple[str, int] | None:
    """Why these bytes are not text, with the 1-based byte position (for a file meant to be CSV, TXT, JSON)."""
    if data.startswith((b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"PK\x03\x04")):
        return None  # a binary format: "not one of the allowed types" says it better
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return N_("The file is not UTF-8 text (byte {position} cannot be read)."), exc.start + 1
    if (nul := data.find(b"\x00")) >= 0:
        return N_("The file is not text: byte {position} is a NUL byte."), nul + 1
    return None


def sniff(data: bytes) -> str | None:
    """The kind family of these bytes: pdf, png, jpeg, docx, xlsx, pptx, text; None when unknown."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return "text" if data and _is_text(data) else None


def check_file(data: bytes, allowed: Collection[str], max_bytes: int, filename: str = "",
               field: str = "file") -> str:
    """The sniffed kind family, or a 422 on `field`: empty, too large, not an allowed kind, or content that
    contradicts the file's extension."""
    labels = ", ".join(LABELS[k] for k in sorted(allowed))
    if not data:
        raise DomainError(field=field, msgid="The file is empty.")
    if len(data) > max_bytes:
        raise DomainError(field=field, msgid="The file is larger than {mb} MB.", mb=max_bytes // (1024 * 1024))
    found = sniff(data)
    families = {_family(k) for k in allowed}
    if found is None and "text" in families and (reason := _text_problem(data)):
        raise DomainError(field=field, msgid=reason[0], position=reason[1])
    if found is None or found not in families:
        raise DomainError(field=field, msgid="The file's content is not one of the allowed types ({types}).",
                          types=labels)
    declared = EXTENSIONS.get(PurePath(filename.replace("\\", "/")).suffix.lower())
    if declared is not None and _family(declared) != found:
        raise DomainError(field=field, msgid="The file's content does not match its name ({types} expected).",
                          types=LABELS[declared])
    return found
