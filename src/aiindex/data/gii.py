"""Reader of the Global Innovation Index pillar panel (Mendeley Data file).

:func:`read_gii_panel` reads the GII 2011-2022 pillar file of Mendeley Data (``;``-separated,
decimal commas, BOM) into a wide ``iData`` table with ISO3 unit codes; ``data.reader:
gii_mendeley`` in a config selects it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError

__all__ = ["GII_ISO3", "GII_PILLARS", "is_gii_mendeley", "read_gii_panel"]

#: GII pillar column of the Mendeley file → metric code used in ``configs/gii_framework.yaml``
GII_PILLARS: dict[str, str] = {
    "Institutions": "Institutions",
    "Human capital and research": "HumanCapital",
    "Infrastructure": "Infrastructure",
    "Market sophistication": "MarketSoph",
    "Business sophistication": "BusinessSoph",
    "Knowledge and technology outputs": "KnowledgeTech",
    "Creative outputs": "Creative",
}

#: Economy names of the GII Mendeley file → ISO 3166-1 alpha-3 codes. The file's ``ID`` column is
#: a sequential number, not a country code. Codes were matched by name against the ``uCode``
#: column of COINr's ``WorldDenoms`` table (../shared/data/asem/WorldDenoms.csv); the 22 names
#: that differ in spelling there (e.g. "Czech Republic" = "Czechia", "Swaziland - Eswatini",
#: "North Macedonia*") were matched by hand to the ISO 3166-1 code of the same country.
GII_ISO3: dict[str, str] = {
    'Albania': 'ALB', 'Algeria': 'DZA', 'Angola': 'AGO', 'Argentina': 'ARG', 'Armenia': 'ARM',
    'Australia': 'AUS', 'Austria': 'AUT', 'Azerbaijan': 'AZE', 'Bahrain': 'BHR',
    'Bangladesh': 'BGD', 'Barbados': 'BRB', 'Belarus': 'BLR', 'Belgium': 'BEL', 'Belize': 'BLZ',
    'Benin': 'BEN', 'Bhutan': 'BTN', 'Bolivia (Plurinational State of)': 'BOL',
    'Bosnia and Herzegovina': 'BIH', 'Botswana': 'BWA', 'Brazil': 'BRA',
    'Brunei Darussalam': 'BRN', 'Bulgaria': 'BGR', 'Burkina Faso': 'BFA', 'Burundi': 'BDI',
    'Cabo Verde': 'CPV', 'Cambodia': 'KHM', 'Cameroon': 'CMR', 'Canada': 'CAN', 'Chile': 'CHL',
    'China': 'CHN', 'Colombia': 'COL', 'Costa Rica': 'CRI', 'Cote dIvoire': 'CIV',
    'Croatia': 'HRV', 'Cyprus': 'CYP', 'Czech Republic': 'CZE', 'Denmark': 'DNK',
    'Dominican Republic': 'DOM', 'Ecuador': 'ECU', 'Egypt': 'EGY', 'El Salvador': 'SLV',
    'Estonia': 'EST', 'Ethiopia': 'ETH', 'Fiji': 'FJI', 'Finland': 'FIN', 'France': 'FRA',
    'Gabon': 'GAB', 'Gambia': 'GMB', 'Georgia': 'GEO', 'Germany': 'DEU', 'Ghana': 'GHA',
    'Greece': 'GRC', 'Guatemala': 'GTM', 'Guinea': 'GIN', 'Guyana': 'GUY', 'Honduras': 'HND',
    'Hong Kong (China)': 'HKG', 'Hungary': 'HUN', 'Iceland': 'ISL', 'India': 'IND',
    'Indonesia': 'IDN', 'Iran (Islamic Republic of)': 'IRN', 'Iraq': 'IRQ', 'Ireland': 'IRL',
    'Israel': 'ISR', 'Italy': 'ITA', 'Jamaica': 'JAM', 'Japan': 'JPN', 'Jordan': 'JOR',
    'Kazakhstan': 'KAZ', 'Kenya': 'KEN', 'Kuwait': 'KWT', 'Kyrgyzstan': 'KGZ',
    "Lao People's Democratic Republic": 'LAO', 'Latvia': 'LVA', 'Lebanon': 'LBN',
    'Lesotho': 'LSO', 'Lithuania': 'LTU', 'Luxembourg': 'LUX', 'Madagascar': 'MDG',
    'Malawi': 'MWI', 'Malaysia': 'MYS', 'Mali': 'MLI', 'Malta': 'MLT', 'Mauritania': 'MRT',
    'Mauritius': 'MUS', 'Mexico': 'MEX', 'Mongolia': 'MNG', 'Montenegro': 'MNE', 'Morocco': 'MAR',
    'Mozambique': 'MOZ', 'Myanmar': 'MMR', 'Namibia': 'NAM', 'Nepal': 'NPL', 'Netherlands': 'NLD',
    'New Zealand': 'NZL', 'Nicaragua': 'NIC', 'Niger': 'NER', 'Nigeria': 'NGA',
    'North Macedonia*': 'MKD', 'Norway': 'NOR', 'Oman': 'OMN', 'Pakistan': 'PAK', 'Panama': 'PAN',
    'Paraguay': 'PRY', 'Peru': 'PER', 'Philippines': 'PHL', 'Poland': 'POL', 'Portugal': 'PRT',
    'Qatar': 'QAT', 'Republic of Korea (the)': 'KOR', 'Republic of Moldova (the)': 'MDA',
    'Romania': 'ROU', 'Russian Federation': 'RUS', 'Rwanda': 'RWA', 'Saudi Arabia': 'SAU',
    'Senegal': 'SEN', 'Serbia': 'SRB', 'Seychelles': 'SYC', 'Singapore': 'SGP', 'Slovakia': 'SVK',
    'Slovenia': 'SVN', 'South Africa': 'ZAF', 'Spain': 'ESP', 'Sri Lanka': 'LKA', 'Sudan': 'SDN',
    'Swaziland - Eswatini': 'SWZ', 'Sweden': 'SWE', 'Switzerland': 'CHE',
    'Syrian Arab Republic': 'SYR', 'Tajikistan': 'TJK', 'Thailand': 'THA', 'Togo': 'TGO',
    'Trinidad and Tobago': 'TTO', 'Tunisia': 'TUN', 'Turkey': 'TUR', 'Uganda': 'UGA',
    'Ukraine': 'UKR', 'United Arab Emirates': 'ARE', 'United Kingdom': 'GBR',
    'United Republic of Tanzania (the)': 'TZA', 'United States of America': 'USA',
    'Uruguay': 'URY', 'Uzbekistan': 'UZB', 'Venezuela, Bolivarian Republic of': 'VEN',
    'Vietnam': 'VNM', 'Yemen': 'YEM', 'Zambia': 'ZMB', 'Zimbabwe': 'ZWE',
}

_GII_HEADER = ("Economies", "Year", "ID")


# ------------------------------------------------------------------------------- GII reader
def is_gii_mendeley(path: str | Path) -> bool:
    """True when ``path`` is the GII Mendeley pillar file (header ``Economies;Year;ID;...``)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() != ".csv":
        return False
    with open(p, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline().strip().split(";")
    return tuple(h.strip() for h in head[:3]) == _GII_HEADER


def read_gii_panel(path: str | Path, *, keep_empty: bool = False) -> pd.DataFrame:
    """Read the GII 2011-2022 pillar scores (Mendeley Data file) as a wide ``iData`` table.

    The file is ``;``-separated with decimal commas and a BOM (see
    ``../shared/data/gii/README.md``); :func:`aiindex.data.load_data` does not read decimal
    commas, hence this reader.

    Parameters
    ----------
    path
        The CSV file.
    keep_empty
        Keep economy-years whose seven pillar scores are all empty (economy not covered in that
        edition). Default ``False``: such rows are dropped (191 of the 1,788 rows).

    Returns
    -------
    DataFrame
        Columns ``uCode`` (ISO3, from :data:`GII_ISO3`), ``uName``, ``Time`` (edition year), the
        seven pillar codes of :data:`GII_PILLARS` (float, 0-100) and ``GII_published`` (the
        published index score), sorted by ``uCode, Time``.

    Raises
    ------
    DataError
        Missing columns, an economy name without an ISO3 code, or duplicate economy-years.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"GII file not found: {p}")
    if not p.is_file():
        raise DataError(f"GII file {p} is not a file")
    try:
        raw = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"GII file {p} is not UTF-8 text") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise DataError(f"GII file {p} cannot be read: {str(exc).splitlines()[0]}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    need = [*_GII_HEADER, *GII_PILLARS, "Global Innovation Index"]
    miss = [c for c in need if c not in raw.columns]
    if miss:
        raise DataError(f"{p}: not the GII Mendeley layout, missing column(s) {miss}")
    names = raw["Economies"].astype(str).str.strip()
    codes = names.map(GII_ISO3)
    unknown = sorted(names[codes.isna()].unique())
    if unknown:
        raise DataError(f"{p}: no ISO3 code for economy name(s) {unknown}; add them to "
                        "aiindex.panel.GII_ISO3")
    bad = [c for c in GII_PILLARS if not pd.api.types.is_numeric_dtype(raw[c])]
    if bad:
        raise DataError(f"{p}: pillar column(s) {bad} are not numeric (decimal commas expected)")
    out = pd.DataFrame({"uCode": codes.astype(str), "uName": names,
                        "Time": raw["Year"].astype(int)})
    for col, code in GII_PILLARS.items():
        out[code] = raw[col].astype("float64")
    out["GII_published"] = raw["Global Innovation Index"].astype("float64")
    dup = out.duplicated(["uCode", "Time"], keep=False)
    if dup.any():
        raise DataError(f"{p}: duplicate economy-years {out.loc[dup, ['uCode', 'Time']].values[:5]}")
    if not keep_empty:
        out = out[out[list(GII_PILLARS.values())].notna().any(axis=1)]
    return out.sort_values(["uCode", "Time"]).reset_index(drop=True)
