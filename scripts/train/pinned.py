"""Opens a downloaded source file only when it is the pinned one, so that training rows always come from
the bytes the docs name."""
import hashlib
import io
import os
import sys
import tarfile
import zipfile


def pinned_bytes(path, sha256, how_to_get):
    """The file's bytes; exits with what to run when it is missing and with both digests when it differs."""
    if not os.path.exists(path):
        sys.exit(f"missing {path}; {how_to_get}")
    blob = open(path, "rb").read()
    sha = hashlib.sha256(blob).hexdigest()
    if sha != sha256:
        sys.exit(f"{path}: sha256 {sha}, expected {sha256}")
    return blob


def pinned_zip(path, sha256, how_to_get):
    """A pinned wheel (or any zip), opened."""
    return zipfile.ZipFile(io.BytesIO(pinned_bytes(path, sha256, how_to_get)))


def pinned_deb_data(path, sha256, how_to_get):
    """The data tarball of a pinned .deb, opened; read in Python so that no dpkg is needed. A .deb is an
    ar archive: 8-byte magic, then members, each after a 60-byte header."""
    blob = pinned_bytes(path, sha256, how_to_get)
    if not blob.startswith(b"!<arch>\n"):
        sys.exit(f"{path}: not a Debian package")
    at = 8
    while at < len(blob):
        name, size = blob[at:at + 16].decode().strip(), int(blob[at + 48:at + 58])
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(blob[at + 60:at + 60 + size]))  # the compression is detected
        at += 60 + size + size % 2
    sys.exit(f"{path}: no data.tar member")
