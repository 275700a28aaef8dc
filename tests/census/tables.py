"""Table structures (labels by line) for the fake Census API, shaped like the 2019 releases.

The B05006 lines of the countries in ``../shared/data/portland_msa`` sit at their real
2019 numbers (Romania 041, Russia 042, ... Micronesia 127), so the real Portland figures
can be served under their real codes. ``renumbered`` shifts lines, as releases do, to
prove the loader reads the structure instead of trusting line numbers.
"""

from __future__ import annotations

# (indent, label) in line order; indent 0 is "Total".
B05006_2019 = """
0 Total
1 Europe
2 Northern Europe
3 Ireland|3 Denmark|3 Norway|3 Sweden
3 United Kingdom (inc. Crown Dependencies)
4 United Kingdom, excluding England and Scotland|4 England|4 Scotland
3 Other Northern Europe
2 Western Europe
3 Austria|3 Belgium|3 France|3 Germany|3 Netherlands|3 Switzerland|3 Other Western Europe
2 Southern Europe
3 Greece|3 Italy|3 Portugal|3 Azores Islands|3 Spain|3 Other Southern Europe
2 Eastern Europe
3 Albania|3 Belarus|3 Bosnia and Herzegovina|3 Bulgaria|3 Croatia|3 Czechoslovakia
3 Hungary|3 Latvia|3 Lithuania|3 North Macedonia|3 Moldova|3 Poland|3 Romania|3 Russia
3 Serbia|3 Ukraine|3 Other Eastern Europe
2 Europe, n.e.c.
1 Asia
2 Eastern Asia
3 China
4 China, excluding Hong Kong and Taiwan|4 Hong Kong|4 Taiwan
3 Japan|3 Korea|3 Other Eastern Asia
2 South Central Asia
3 Afghanistan|3 Bangladesh|3 India|3 Iran|3 Kazakhstan|3 Nepal|3 Pakistan|3 Sri Lanka
3 Uzbekistan|3 Other South Central Asia
2 South Eastern Asia
3 Burma|3 Cambodia|3 Indonesia|3 Laos|3 Malaysia|3 Philippines|3 Singapore|3 Thailand
3 Vietnam|3 Other South Eastern Asia
2 Western Asia
3 Armenia|3 Iraq|3 Israel|3 Jordan|3 Kuwait|3 Lebanon|3 Saudi Arabia|3 Syria|3 Turkey
3 Yemen|3 Other Western Asia
2 Asia, n.e.c.
1 Africa
2 Eastern Africa
3 Eritrea|3 Ethiopia|3 Kenya|3 Somalia|3 Uganda|3 Zimbabwe|3 Other Eastern Africa
2 Middle Africa
3 Cameroon|3 Congo|3 Democratic Republic of Congo|3 Other Middle Africa
2 Northern Africa
3 Egypt|3 Morocco|3 Sudan|3 Other Northern Africa
2 Southern Africa
3 South Africa|3 Other Southern Africa
2 Western Africa
3 Cabo Verde|3 Ghana|3 Liberia|3 Nigeria|3 Senegal|3 Sierra Leone|3 Other Western Africa
2 Africa, n.e.c.
1 Oceania
2 Australia and New Zealand Subregion
3 Australia|3 Other Australian and New Zealand Subregion
2 Fiji
2 Micronesia
2 Oceania, n.e.c.
1 Americas
2 Latin America
3 Caribbean
4 Bahamas|4 Barbados|4 Cuba|4 Dominica|4 Dominican Republic|4 Grenada|4 Haiti|4 Jamaica
4 St. Vincent and the Grenadines|4 Trinidad and Tobago|4 West Indies|4 Other Caribbean
3 Central America
4 Belize|4 Costa Rica|4 El Salvador|4 Guatemala|4 Honduras|4 Mexico|4 Nicaragua|4 Panama
4 Other Central America
3 South America
4 Argentina|4 Bolivia|4 Brazil|4 Chile|4 Colombia|4 Ecuador|4 Guyana|4 Peru|4 Uruguay
4 Venezuela|4 Other South America
2 Northern America
3 Canada|3 Other Northern America
"""

B05002 = """
0 Total
1 Native
2 Born in state of residence
2 Born in other state in the United States
3 Northeast|3 Midwest|3 South|3 West
2 Born outside the United States
3 Puerto Rico|3 U.S. Island Areas|3 Born abroad of American parent(s)
1 Foreign born
2 Naturalized U.S. citizen|2 Not a U.S. citizen
"""

B05005 = """
0 Total
1 Entered 2010 or later
2 Native
2 Foreign born
3 Naturalized U.S. citizen|3 Not a U.S. citizen
1 Entered 2000 to 2009
2 Native
2 Foreign born
3 Naturalized U.S. citizen|3 Not a U.S. citizen
1 Entered 1990 to 1999
2 Native
2 Foreign born
3 Naturalized U.S. citizen|3 Not a U.S. citizen
1 Entered before 1990
2 Native
2 Foreign born
3 Naturalized U.S. citizen|3 Not a U.S. citizen
"""

_LANGS = ["Spanish", "French, Haitian, or Cajun", "German or other West Germanic languages",
          "Russian, Polish, or other Slavic languages", "Other Indo-European languages",
          "Korean", "Chinese (incl. Mandarin, Cantonese)", "Vietnamese", "Tagalog (incl. Filipino)",
          "Other Asian and Pacific Island languages", "Arabic", "Other and unspecified languages"]
C16001 = "0 Total\n1 Speak only English\n" + "".join(
    f'1 {lang}\n2 Speak English "very well"\n2 Speak English less than "very well"\n'
    for lang in _LANGS)
C16002 = "0 Total\n1 English only\n" + "".join(
    f"1 {lang}\n2 Limited English speaking household\n2 Not a limited English speaking household\n"
    for lang in ["Spanish", "Other Indo-European languages", "Asian and Pacific Island languages",
                 "Other languages"])
_EDU = ("Less than high school graduate|High school graduate (includes equivalency)|"
        "Some college or associate's degree|Bachelor's degree|Graduate or professional degree")
_POV = "Below 100 percent of the poverty level|100 to 149 percent of the poverty level|" \
       "At or above 150 percent of the poverty level"
_PLACES = ("Born in state of residence", "Born in other state in the United States",
           "Native; born outside the United States", "Foreign born")


def _by_place(parts: str) -> str:
    lines = ["0 Total"] + [f"1 {p}" for p in parts.split("|")]
    for place in _PLACES:
        lines.append(f"1 {place}")
        lines += [f"2 {p}" for p in parts.split("|")]
    return "\n".join(lines)


B06009 = _by_place(_EDU)
B06012 = _by_place(_POV)


def labels(table: str, outline: str, *, shift_after: int | None = None) -> dict[str, str]:
    """Return ``{B05006_001E: 'Estimate!!Total:', ...}`` from an indented outline.

    A line that has children gets a trailing colon, as the API's labels do.
    ``shift_after`` renumbers every line after that one by +1 (a release that inserted a line).
    """
    items: list[tuple[int, str]] = []
    for raw in outline.strip().splitlines():
        for piece in raw.split("|"):
            indent, label = piece.strip().split(" ", 1)
            items.append((int(indent), label))
    out: dict[str, str] = {}
    path: list[str] = []
    for i, (indent, label) in enumerate(items):
        has_children = i + 1 < len(items) and items[i + 1][0] > indent
        path = [*path[:indent], label + (":" if has_children else "")]
        line = i + 1
        if shift_after is not None and line > shift_after:
            line += 1
        out[f"{table}_{line:03d}E"] = "Estimate!!" + "!!".join(
            p if j == len(path) - 1 else (p if p.endswith(":") else p + ":")
            for j, p in enumerate(path))
    return out


def groups_2019() -> dict[str, dict[str, str]]:
    return {"B05002": labels("B05002", B05002), "B05006": labels("B05006", B05006_2019),
            "B05005": labels("B05005", B05005), "C16001": labels("C16001", C16001),
            "C16002": labels("C16002", C16002), "B06009": labels("B06009", B06009),
            "B06012": labels("B06012", B06012)}


def groups_renumbered() -> dict[str, dict[str, str]]:
    """The 2019 structure with a line inserted after B05006_002: every later country moves."""
    groups = groups_2019()
    groups["B05006"] = labels("B05006", B05006_2019, shift_after=2)
    groups["B05006"]["B05006_003E"] = "Estimate!!Total:!!Europe:!!Europe, not specified"
    return groups
