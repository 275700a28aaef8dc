"""Error types raised by the domain library.

Pages catch these and show their message with ``st.error``; the message is written for
the librarian who has to fix the input, so it names the file, the column or row and what
to change.
"""

from __future__ import annotations


class MappingError(Exception):
    """Base class of every error the domain library raises on purpose."""


class ConfigError(MappingError):
    """A setting is missing or malformed; the message names the setting."""


class DataError(MappingError):
    """Input data cannot be used as given (missing column, no CRS, nothing joins...)."""


class UploadRejected(DataError):
    """An uploaded file was refused before it was read (too large, unsafe archive...)."""
