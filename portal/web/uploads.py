"""Uploads: streamed to disk within the size limit, never named by the uploader, written into
``landing/`` atomically only after the intake's own check passed."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from esf_monitor.paths import DataDir, data_dir
from portal.web.providers import portal_dir

#: multipart overhead allowed beside the file itself (boundaries, the small form fields)
FORM_OVERHEAD = 64 * 1024


def max_upload_bytes() -> int:
    return int(settings.MAX_UPLOAD_MB * 1024 * 1024)


def upload_dir(dd: DataDir | None = None) -> Path:
    """``portal/uploads/`` of the data folder: same file system as ``landing/`` (rename is atomic)."""
    folder = portal_dir(dd) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


class StreamedUpload(UploadedFile):
    """The upload as a file in ``portal/uploads/`` with its checksum, taken while it streamed."""

    def __init__(self, path: Path, name: str, size: int, sha256: str, content_type: str | None):
        handle = open(path, "rb")  # noqa: SIM115 (the uploaded file's handle: closed by discard / Django)
        super().__init__(handle, name=name, content_type=content_type, size=size)
        self.path, self.sha256 = path, sha256

    def temporary_file_path(self) -> str:
        return str(self.path)

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class LimitedUploadHandler(FileUploadHandler):
    """Writes each chunk straight to a private file (0600) and stops the upload as soon as it
    passes the limit — before the rest is read (``request.upload_too_large`` is then True).
    The uploader's file name is kept for display only; the file on disk has a random name."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.upload_too_large = False
        self.limit = max_upload_bytes()
        # declared too large: refused at the first file part, before any of its bytes is read
        # (StopUpload raised here would escape Django's parser; in new_file it is handled)
        self.declared_too_large = bool(content_length and content_length > self.limit + FORM_OVERHEAD)

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        super().new_file(
            field_name,
            file_name,
            content_type,
            content_length,
            charset,
            content_type_extra,
        )
        if getattr(self, "declared_too_large", False):
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        self.path = upload_dir(data_dir()) / f"{secrets.token_hex(16)}.part"
        self.fh = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        self.hash = hashlib.sha256()
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.limit:
            self.fh.close()
            self.path.unlink(missing_ok=True)
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        self.fh.write(raw_data)
        self.hash.update(raw_data)

    def file_complete(self, file_size):
        self.fh.close()
        return StreamedUpload(
            self.path,
            self.file_name or "",
            self.size,
            self.hash.hexdigest(),
            self.content_type,
        )

    def upload_interrupted(self):
        if getattr(self, "fh", None) is not None:
            self.fh.close()
            self.path.unlink(missing_ok=True)


def display_name(name: str) -> str:
    """The uploader's file name as shown on pages: the last path part only, at most 120 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"
    return base[:120]


def landing_extension(name: str, detected: str | None) -> str | None:
    """``csv`` or ``xlsx``: the format the intake's reader found in the bytes (a CSV named
    ``.xlsx`` lands as ``.csv``; the check warns ``extension_mismatch``), else the name's."""
    if detected in ("csv", "xlsx"):
        return detected
    suffix = Path(display_name(name)).suffix.lower().lstrip(".")
    return suffix if suffix in ("csv", "xlsx") else None


def write_to_landing(
    dd: DataDir,
    upload: StreamedUpload,
    provider_id: str,
    extract_type: str,
    month: str,
    ext: str,
) -> Path:
    """``landing/<provider>/<type>/<month>.<ext>`` by one rename (temp file in the data folder,
    then ``os.replace``): the landing scan never sees half a file. A current file of the slot
    with the other extension is removed first, so the slot never has two candidates."""
    folder = dd.landing / provider_id / extract_type
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{month}.{ext}"
    for other in folder.iterdir():
        if other != dest and other.stem == month and other.suffix.lower() in (".csv", ".xlsx"):
            other.unlink(missing_ok=True)
    upload.close()
    os.chmod(upload.path, 0o644)
    os.replace(upload.path, dest)
    return dest
