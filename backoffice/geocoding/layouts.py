"""The column layouts counties publish address points in, recognised by their header.

Each layout turns one row (CSV cells or GeoJSON properties, looked up by lower-case name) into
the parts of an address point as text: number, street, unit, city, state, postal_code, lat,
lon. Pure: no database access, no checking (see `reading`).

- Our own CSV (`samples/addresses.csv`): number, street, unit, city, state, zip, lat, lon,
  with the usual alternative names.
- OpenAddresses (openaddresses.io "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,
  ID,HASH"): the state is REGION; DISTRICT (the county) is not a city.
- NENA NG9-1-1 Site/Structure Address Points (NENA-STA-006, GIS Data Model): the address
  number and street name are assembled from their parts (Add_Number, St_Name, St_PosTyp...);
  the city is Post_Comm (the postal community), else Inc_Muni or Uninc_Comm; the ZIP code is
  Post_Code (or Zip_Code, as some exports name it).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass

Get = Callable[[str], str]

OWN_COLUMNS = {
    "number": ("number", "house_number", "housenumber", "addr_number", "add_number",
               "address_number"),
    "street": ("street", "street_name", "streetname", "road"),
    "unit": ("unit", "apt", "suite"),
    "city": ("city", "place", "municipality", "community"),
    "state": ("state", "st"),
    "postal_code": ("postal_code", "zip", "zipcode", "zip_code", "postcode"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
}
NENA_STREET_PARTS = (
    "st_premod", "st_predir", "st_pretyp", "st_presep", "st_name",
    "st_postyp", "st_posdir", "st_posmod",
)


@dataclass(frozen=True)
class Layout:
    """A header layout: its name, and how to read the parts of an address point from a row."""

    name: str
    columns: dict[str, tuple[str, ...]]
    assemble: Callable[[Get, dict[str, str]], dict[str, str]] | None = None

    def column_for(self, part: str, names: set[str]) -> str | None:
        """The file's column holding part, or None."""
        return next((name for name in self.columns.get(part, ()) if name in names), None)

    def parts(self, get: Get, names: set[str]) -> dict[str, str]:
        """The address point parts of one row (blank when the file has no such column)."""
        found = {part: get(column) if (column := self.column_for(part, names)) else ""
                 for part in self.columns}
        return self.assemble(get, found) if self.assemble else found


def _nena(get: Get, found: dict[str, str]) -> dict[str, str]:
    """Address number and street name from their NENA parts (blank parts left out)."""
    number = get("addnum_pre") + get("add_number")
    suffix = get("addnum_suf")
    if suffix:  # "1/2" stands apart ("123 1/2"), a letter joins ("123A")
        number += f" {suffix}" if suffix[0].isdigit() else suffix
    street = " ".join(part for name in NENA_STREET_PARTS if (part := get(name)))
    city = found["city"] or get("inc_muni") or get("uninc_comm")
    return {**found, "number": number, "street": street, "city": city}


OWN = Layout("address CSV", OWN_COLUMNS)
OPENADDRESSES = Layout(
    "OpenAddresses",
    {"number": ("number",), "street": ("street",), "unit": ("unit",), "city": ("city",),
     "state": ("region",), "postal_code": ("postcode",), "lat": ("lat",), "lon": ("lon",)},
)
NENA = Layout(
    "NENA NG9-1-1 address points",
    {"number": ("add_number",), "street": ("st_name",), "unit": ("unit",),
     "city": ("post_comm",), "state": ("state",), "postal_code": ("post_code", "zip_code"),
     "lat": ("latitude",), "lon": ("longitude",)},
    _nena,
)

EXPECTED = (
    "expected address CSV (number, street, city or zip, lat, lon), OpenAddresses "
    "(LON, LAT, NUMBER, STREET, ..., REGION, POSTCODE) or NENA address points "
    "(Add_Number, St_Name, ..., Post_Comm, State, Post_Code, Longitude, Latitude)"
)


def column_name(cell: str) -> str:
    """A header cell as a lookup name: case, surrounding spaces and a stray BOM ignored."""
    return re.sub(r"\s+", " ", cell.replace("\ufeff", "").strip().strip('"').strip()).lower()


def recognise(names: set[str], *, coordinates: bool = True) -> Layout:
    """The layout of a header (lower-case names); ValueError saying what is missing.

    coordinates=False for GeoJSON, where the geometry holds them.
    """
    if {"add_number", "st_name"} <= names:
        layout = NENA
    elif {"number", "street"} <= names and names & {"region", "hash", "district"}:
        layout = OPENADDRESSES
    elif all(OWN.column_for(part, names) for part in ("number", "street")):
        layout = OWN
    else:
        raise ValueError(f"unknown header: {EXPECTED}")
    needed = [("lat", "latitude"), ("lon", "longitude")] if coordinates else []
    missing = [label for part, label in needed if not layout.column_for(part, names)]
    # A NENA file may name its community Inc_Muni or Uninc_Comm only.
    if not (layout.column_for("city", names) or layout.column_for("postal_code", names)
            or (layout is NENA and names & {"inc_muni", "uninc_comm"})):
        missing.append("city or ZIP code")
    if missing:
        raise ValueError(f"{layout.name} header without a column for {', '.join(missing)}")
    return layout
