#!/usr/bin/env python3
"""Checks that the tree keeps the rules its layout stands for (docs/design.md, "The tree").

1. Include direction: a file includes only what its folder may call.
     core/        core only (pure: no hook, no watchdog, no symbolizer)
     hook/        hook and core (any program thread or signal handler)
     watchdog/    watchdog, hook and core (the watchdog thread)
     symbolizer/  symbolizer and core (a program of its own, outside the watched process)
     cli/         cli, symbolizer (its naming, for `stallwatch symbolize`) and core
   Project headers are included by their folder ("core/config.h"), never bare.
2. One way to call the real functions: outside the wrappers (hook/wrap_*.c and the wrapper
   shape in hook/interpose.h), code calls libc functions we also export through sw_real.x,
   never through the wrappers' macros.
3. With --objects and --lib: no object of the library but the wrappers has an undefined
   reference to a name the library exports (a plain call such as close() binds to our own
   wrapper, not to libc).
4. Every source file under src/ opens with a comment (what it does, in which context).
5. No function in src/watchdog/ is longer than 60 lines.
6. Every file under src/ has its row in docs/design.md's table of the tree ("## The tree"), and
   every row names a file that exists.
7. With --lib: in the library's .bss, every object larger than a page lies after all the
   smaller ones (it carries SW_LARGE, src/core/large.h), so the small variables of every module
   share a few pages; and the library has no DT_FINI (the empty _fini lies at the end of the
   code, a page of its own to fault in at every exit).

Prints one line per violation; exit status 1 if there is any.
"""
import argparse
import os
import re
import subprocess
import sys

ALLOWED = {
    "core": {"core"},
    "hook": {"hook", "core"},
    "watchdog": {"watchdog", "hook", "core"},
    "symbolizer": {"symbolizer", "core"},
    "cli": {"cli", "symbolizer", "core"},
}
FOLDERS = set(ALLOWED)
MAX_FUNCTION_LINES = {"watchdog": 60}


def sources(src):
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if re.search(r"\.(c|h|def)$", f):
                yield os.path.join(root, f)


def folder_of(src, path):
    rel = os.path.relpath(path, src).split(os.sep)
    return rel[0] if len(rel) > 1 else None


def check_includes(src, path, text, problems):
    folder = folder_of(src, path)
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        inc = m.group(1)
        parts = inc.split("/")
        where = "%s:%d" % (os.path.relpath(path, os.path.dirname(src)), n)
        if len(parts) == 1:
            if inc in ("stallwatch.h", "cli.h") or path.endswith("calls.c") and inc == "calls.def":
                continue
            problems.append("%s: includes \"%s\" without its folder" % (where, inc))
            continue
        if parts[0] not in FOLDERS:
            continue
        if folder in ALLOWED and parts[0] not in ALLOWED[folder]:
            problems.append("%s: %s/ may not include %s (allowed: %s)"
                            % (where, folder, inc, ", ".join(sorted(ALLOWED[folder]))))


def check_real_calls(src, path, text, problems):
    rel = os.path.relpath(path, src)
    if re.match(r"hook/(wrap_\w+\.c|interpose\.h|real\.h)$", rel):
        return
    for n, line in enumerate(text.splitlines(), 1):
        if re.search(r"\bSW_REAL(_ANY)?\(", line):
            problems.append("src/%s:%d: outside the wrappers, call libc through sw_real.x" % (rel, n))


def check_header_comment(src, path, text, problems):
    if not text.lstrip().startswith("/*"):
        problems.append("src/%s: does not open with a comment saying what it does and where it "
                        "runs" % os.path.relpath(path, src))


def check_function_lengths(src, path, text, problems):
    folder = folder_of(src, path)
    limit = MAX_FUNCTION_LINES.get(folder)
    if limit is None or not path.endswith(".c"):
        return
    lines = text.splitlines()
    start = None
    name = None
    for i, line in enumerate(lines):
        if line == "{" and i > 0:
            # The signature may span lines: find its first line (the one at column 0).
            j = i - 1
            while j > 0 and lines[j].startswith((" ", "\t")):
                j -= 1
            m = re.search(r"(\w+)\s*\(", lines[j])
            start, name = i, m.group(1) if m else "?"
        elif line == "}" and start is not None:
            length = i - start - 1
            if length > limit:
                problems.append("src/%s: %s() has %d lines (at most %d in %s/)"
                                % (os.path.relpath(path, src), name, length, limit, folder))
            start = None


def table_files(design):
    """The files named by the rows of the tree's table: "`core/buf.c`, `.h`" names two."""
    with open(design, encoding="utf-8") as f:
        text = f.read()
    start = text.find("## The tree")
    end = text.find("\n## ", start + 1)
    named = set()
    for line in text[start:end].splitlines():
        if not line.startswith("| `"):
            continue
        cells = re.findall(r"`([^`]+)`", line.split("|")[1])
        if not cells:
            continue
        folder, _, first = cells[0].rpartition("/")
        stem = first.rsplit(".", 1)[0]
        named.add(cells[0])
        for c in cells[1:]:
            if c.startswith("."):
                named.add((folder + "/" if folder else "") + stem + c)
            else:
                named.add((folder + "/" if folder else "") + c)
    return named


def check_table(src, design, problems):
    named = table_files(design)
    present = set()
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith(".md"):
                continue
            present.add(os.path.relpath(os.path.join(root, f), src))
    for f in sorted(present - named):
        problems.append("src/%s: no row in docs/design.md's table of the tree" % f)
    for f in sorted(named - present):
        problems.append("docs/design.md: the table of the tree names src/%s, which does not "
                        "exist" % f)


def check_objects(objects, lib, problems):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                         check=True).stdout
    exported = {l.split()[-1].split("@")[0] for l in out.splitlines() if l.strip()}
    for obj in objects:
        if re.search(r"/wrap_\w+\.c\.o$", obj):
            continue
        out = subprocess.run(["nm", "-u", obj], capture_output=True, text=True,
                             check=True).stdout
        for l in out.splitlines():
            sym = l.split()[-1].split("@")[0]
            if sym in exported:
                problems.append("%s: calls %s by its plain name, which binds to our own "
                                "wrapper: use sw_real.%s" % (os.path.basename(obj), sym, sym))


def check_large(lib, problems):
    out = subprocess.run(["readelf", "-SW", lib], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"\]\s+\.bss\s+NOBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", out)
    if not m:
        return
    start, end = int(m.group(1), 16), int(m.group(1), 16) + int(m.group(2), 16)
    out = subprocess.run(["nm", "-S", lib], capture_output=True, text=True, check=True).stdout
    small, large = [], []
    for l in out.splitlines():
        f = l.split()
        if len(f) < 4 or f[2] not in "bB":
            continue
        addr, size = int(f[0], 16), int(f[1], 16)
        if start <= addr < end:
            (large if size > 4096 else small).append((addr, size, f[3]))
    if not small or not large:
        return
    last_small = max(a + n for a, n, _ in small)
    for addr, size, name in sorted(large):
        if addr < last_small:
            problems.append("%s: %s (%d bytes) lies among the small variables of .bss: declare "
                            "it SW_LARGE (src/core/large.h)" % (os.path.basename(lib), name, size))


def check_no_fini(lib, problems):
    out = subprocess.run(["readelf", "-dW", lib], capture_output=True, text=True,
                         check=True).stdout
    if re.search(r"\(FINI\)", out):
        problems.append("%s: has a DT_FINI (crti.o's empty _fini, at the end of the code: a page "
                        "fault in every process at exit); link with -Wl,-fini=sw_no_dt_fini"
                        % os.path.basename(lib))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", "src"))
    ap.add_argument("--lib")
    ap.add_argument("--objects", nargs="*", default=[])
    ap.add_argument("--design")
    args = ap.parse_args()
    src = os.path.normpath(args.src)
    design = args.design or os.path.join(src, "..", "docs", "design.md")
    problems = []
    check_table(src, design, problems)
    for path in sources(src):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        check_includes(src, path, text, problems)
        check_real_calls(src, path, text, problems)
        check_header_comment(src, path, text, problems)
        check_function_lengths(src, path, text, problems)
    if args.lib:
        objects = [o for arg in args.objects for o in arg.split(";") if o]
        check_objects(objects, args.lib, problems)
        check_large(args.lib, problems)
        check_no_fini(args.lib, problems)
    for p in problems:
        print(p)
    if problems:
        print("check_tree: %d problem(s)" % len(problems))
        return 1
    print("check_tree: the tree keeps its rules (%d objects checked)"
          % sum(len([o for o in a.split(";") if o]) for a in args.objects))
    return 0


if __name__ == "__main__":
    sys.exit(main())
