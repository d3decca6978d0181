"""Offline geocoding: the county's address points (reading, loading) and their search keys."""
from .keys import search_key, typed_prefixes
from .loading import ImportSummary, import_points, unusable_lines
from .reading import AddressFile, AddressFileError, read_address_file, read_text

__all__ = [
    "AddressFile",
    "AddressFileError",
    "ImportSummary",
    "import_points",
    "read_address_file",
    "read_text",
    "search_key",
    "typed_prefixes",
    "unusable_lines",
]
