#!/usr/bin/env python3
"""docs/api.md's two tables stay in step with the code:
- its route table lists exactly the method + path pairs of docs/openapi.yaml (which the unit
  test OpenApiDocument.* holds to the route table), each linking to a heading of api.md;
- its error-code table lists exactly the codes of exporter/src/error_code.cc, each with the
  HTTP status of that table.
Usage: api_md_tables.py [ROOT]   Prints every difference and exits 1 on any."""
import re
import sys
from pathlib import Path

import yaml

METHODS = ("get", "post", "put", "delete", "patch")


def slug(heading):
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def main(root):
    api = (root / "docs/api.md").read_text(encoding="utf-8")
    document = yaml.safe_load((root / "docs/openapi.yaml").read_text(encoding="utf-8"))
    code_table = (root / "exporter/src/error_code.cc").read_text(encoding="utf-8")
    problems = []

    anchors = {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", api, re.M)}
    row = re.compile(r"^\| (GET|POST|PUT|DELETE|PATCH) \| \[`([^`]+)`\]\(#([^)]+)\) \|", re.M)
    listed = set()
    for m in row.finditer(api):
        listed.add((m.group(1), m.group(2)))
        if m.group(3) not in anchors:
            problems.append(f"route table: {m.group(1)} {m.group(2)} links to #{m.group(3)}, "
                            "which is no heading of api.md")
    loose = re.findall(r"^\| (?:GET|POST|PUT|DELETE|PATCH) \| (?!\[`).*$", api, re.M)
    problems += [f"route table: row not in the form | METHOD | [`PATH`](#anchor) |: {r}"
                 for r in loose]
    documented = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in METHODS}
    problems += [f"route table lacks {m} {p} (it is in docs/openapi.yaml)"
                 for m, p in sorted(documented - listed)]
    problems += [f"route table lists {m} {p}, which docs/openapi.yaml does not have"
                 for m, p in sorted(listed - documented)]

    codes = dict(re.findall(r'\{k\w+, "([a-z_]+)", (\d{3})\}', code_table))
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", api, re.M))
    for name, status in sorted(codes.items()):
        if name not in table:
            problems.append(f"error-code table lacks {name} ({status})")
        elif table[name] != status:
            problems.append(f"error-code table: {name} is {table[name]}, the code says {status}")
    problems += [f"error-code table lists {name}, which error_code.cc does not have"
                 for name in sorted(set(table) - set(codes))]

    for problem in problems:
        print(problem)
    print(f"api_md_tables: {len(listed)} routes, {len(table)} error codes, "
          f"{len(problems)} problems")
    if not listed or not codes:
        print("api_md_tables: found no route rows or no codes — the parser is out of date")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
