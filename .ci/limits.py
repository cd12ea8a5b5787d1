"""The code-size limits the project keeps, checked on every Python file under src/.

- cyclomatic complexity at most 15 per function (radon's measure);
- at most 60 lines per function, counted from its ``def`` line to its last line (the
  docstring included, the decorators not);
- at most 400 lines per module.

Prints one line per breach and exits 1 if there is any; prints a one-line tally otherwise.
Usage: ``python .ci/limits.py [ROOT]`` (default ``src``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from radon.complexity import cc_visit

MAX_COMPLEXITY = 15
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def breaches(path: Path) -> list[str]:
    """Every limit the module at ``path`` breaks, one message each."""
    source = path.read_text(encoding="utf-8")
    found = []
    lines = source.count("\n") + (not source.endswith("\n") and bool(source))
    if lines > MAX_MODULE_LINES:
        found.append(f"{path}: {lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(
                    f"{path}:{node.lineno}: {node.name} has {length} lines "
                    f"(at most {MAX_FUNCTION_LINES})"
                )
    for block in cc_visit(source):
        if block.complexity > MAX_COMPLEXITY:
            found.append(
                f"{path}:{block.lineno}: {block.fullname} has complexity "
                f"{block.complexity} (at most {MAX_COMPLEXITY})"
            )
    return found


def main(argv: list[str]) -> int:
    """Check every module under the root given (default src) and report."""
    root = Path(argv[0] if argv else "src")
    files = sorted(root.rglob("*.py"))
    found = [message for path in files for message in breaches(path)]
    for message in found:
        print(message)
    print(f"{len(files)} modules checked, {len(found)} over the limits")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
