"""Bulk import of owners, registrations and cameras from CSV or GeoJSON (one camera per row)."""
from .checking import CameraRow, RejectedRow, check_row, check_rows
from .reading import ImportFileError, SourceRow, read_file
from .writing import ImportCounts, import_rows

__all__ = [
    "CameraRow",
    "ImportCounts",
    "ImportFileError",
    "RejectedRow",
    "SourceRow",
    "check_row",
    "check_rows",
    "import_rows",
    "read_file",
]
