#!/usr/bin/env python3
"""The layout rules clang-format cannot enforce, over the files given as arguments:
every C++ line at most 100 columns (raw strings included; columns are characters, not bytes)
and every file, C++ or JavaScript, at most 400 lines. Prints each offence and exits 1."""
import sys

MAX_COLUMNS = 100
MAX_LINES = 400


def main(paths):
    offences = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, 1):
            if path.endswith((".cc", ".h")) and len(line) > MAX_COLUMNS:
                print(f"{path}:{number}: {len(line)} columns (at most {MAX_COLUMNS})")
                offences += 1
        if len(lines) > MAX_LINES:
            print(f"{path}: {len(lines)} lines (at most {MAX_LINES}); split it by concern")
            offences += 1
    print(f"check_layout: {len(paths)} files, {offences} offences")
    return 1 if offences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
