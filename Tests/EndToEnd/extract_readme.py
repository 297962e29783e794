"""Writes the user package of README.md's "Using Kiln in your package" into a directory.

Every fenced block preceded by a line `<!-- file: PATH -->` becomes PATH, verbatim, so the
end-to-end test builds exactly what the README tells a user to copy.
Usage: python3 extract_readme.py README.md OUTPUT_DIR
"""
import os
import re
import sys

readme, output = sys.argv[1], sys.argv[2]
lines = open(readme, encoding="utf-8").read().split("\n")
written = []
i = 0
while i < len(lines):
    marker = re.fullmatch(r"<!-- file: (\S+) -->", lines[i].strip())
    i += 1
    if not marker:
        continue
    path = marker.group(1)
    if path.startswith("/") or ".." in path.split("/"):
        sys.exit(f"extract_readme: refusing path {path!r}")
    if i >= len(lines) or not lines[i].startswith("```"):
        sys.exit(f"extract_readme: {readme}:{i}: the marker for {path} must be followed by a fenced block")
    body = []
    i += 1
    while i < len(lines) and lines[i] != "```":
        body.append(lines[i])
        i += 1
    if i == len(lines):
        sys.exit(f"extract_readme: the block for {path} is not closed")
    i += 1
    target = os.path.join(output, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        f.write("\n".join(body) + "\n")
    written.append(path)
if not written:
    sys.exit("extract_readme: no <!-- file: ... --> blocks found")
print("extract_readme: " + ", ".join(written))
