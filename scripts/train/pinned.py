"""Opens a downloaded source file only when it is the pinned one, so that training rows always come from
the bytes the docs name."""
import hashlib
import os
import sys


def pinned_bytes(path, sha256, how_to_get):
    """The file's bytes; exits with what to run when it is missing and with both digests when it differs."""
    if not os.path.exists(path):
        sys.exit(f"missing {path}; {how_to_get}")
    blob = open(path, "rb").read()
    sha = hashlib.sha256(blob).hexdigest()
    if sha != sha256:
        sys.exit(f"{path}: sha256 {sha}, expected {sha256}")
    return blob
