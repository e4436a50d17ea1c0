#!/usr/bin/env python3
"""Runs every `keyform ...` command shown in the code blocks of markdown files.

Usage: docs_commands.py KEYFORM PROJECT_DIR MIN_COMMANDS DOC.md [DOC.md ...]

Each command runs with the real binary, in PROJECT_DIR, in the order the
documents show them (so a tutorial's commands meet the state its earlier
commands made); `-C DIR` is pointed at PROJECT_DIR. A command may fail for
the reasons the docs show (no state yet, a lock that is not held, a plan
with changes); what is reported is a command line the binary does not
understand, which keyform prints as `keyform: usage error: ...`. Exits 1
naming DOC:LINE of each such command, or when fewer than MIN_COMMANDS were
found in a document (an extractor that finds nothing must not pass).
"""
import os
import re
import shlex
import subprocess
import sys

# Blocks that hold commands; markdown and JSON blocks hold output only.
COMMAND_LANGS = {"", "sh", "bash", "shell", "console", "yaml", "yml"}
# `keyform` where a command starts: at the start of a line or of a `run:`
# value, after a shell operator, after VAR=value assignments.
COMMAND_AT = re.compile(
    r"(?:^|&&|\|\||[|;(]|\$\(|\brun:)\s*((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)keyform\s+(?=\S)"
)
OPERATORS = set(";&|<>()")


def code_blocks(path):
    """Yields (language, [(line number, text)]) for each fenced block."""
    fence = None
    lang = ""
    lines = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = re.match(r"^\s*(`{3,})(.*)$", line)
            if fence is None:
                if m:
                    fence, lang, lines = m.group(1), m.group(2).strip(), []
            elif m and len(m.group(1)) >= len(fence) and not m.group(2).strip():
                yield lang, lines
                fence = None
            else:
                lines.append((number, line))


def commands_in(path):
    """Yields (line number, env, argv) for each keyform command shown."""
    for lang, lines in code_blocks(path):
        if lang not in COMMAND_LANGS:
            continue
        prompted = any(text.lstrip().startswith("$ ") for _, text in lines)
        for number, text in lines:
            text = text.strip()
            if prompted:
                if not text.startswith("$ "):
                    continue  # output
                text = text[2:]
            for m in COMMAND_AT.finditer(text):
                env = dict(a.split("=", 1) for a in m.group(1).split())
                lexer = shlex.shlex(text[m.end():], posix=True, punctuation_chars=True)
                lexer.whitespace_split = True
                argv = []
                try:
                    for token in lexer:
                        if token and set(token) <= OPERATORS:
                            break
                        argv.append(token)
                except ValueError:
                    continue  # an unbalanced quote: not a command line
                yield number, env, argv


def pointed_at(argv, project):
    out = []
    it = iter(argv)
    for a in it:
        if a == "-C":
            next(it, None)
            out += ["-C", project]
        else:
            out.append(a)
    return out


def main():
    keyform, project, minimum, docs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    rejected = []
    for doc in docs:
        found = 0
        for number, env, argv in commands_in(doc):
            found += 1
            argv = pointed_at(argv, project)
            shown = "keyform " + " ".join(argv)
            try:
                r = subprocess.run(
                    [keyform, "--no-color"] + argv,
                    cwd=project,
                    env={**os.environ, **env},
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            except subprocess.TimeoutExpired:
                rejected.append(f"{doc}:{number}: {shown}: did not finish in 120 s")
                continue
            print(f"{doc}:{number}: exit {r.returncode}: {shown}")
            usage = [l for l in r.stderr.splitlines() if l.startswith("keyform: usage error:")]
            if usage:
                rejected.append(f"{doc}:{number}: {shown}: {usage[0]}")
        if found < minimum:
            rejected.append(f"{doc}: only {found} keyform commands found (expected {minimum})")
    for r in rejected:
        print("REJECTED: " + r, file=sys.stderr)
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
