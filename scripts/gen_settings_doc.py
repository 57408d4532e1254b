#!/usr/bin/env python3
"""Writes the parts of stallwatch(1) that the settings table (src/core/settings.def) decides.

The man page source marks them with comment lines:

  .\\" BEGIN options (generated)            the OPTIONS entries of the options that set a
  ...                                      variable: thresholds first, then table order
  .\\" END options
  .\\" BEGIN setting THRESHOLD (generated)  one per setting, in ENVIRONMENT: the entry's tag
  ...                                      and its first lines (what it accepts, its default,
  .\\" END setting THRESHOLD                its option, its one-line help)

Everything outside the markers is hand-written: the section layout, and the details that
follow each setting's generated lines (which continue the same entry). Every setting of the
table must have exactly one block, and no block may name another setting.

  gen_settings_doc.py           rewrite the man page in place
  gen_settings_doc.py --check   change nothing; exit 1 with a diff if the page is not what
                                the table gives (a ctest test runs this)
"""
import argparse
import difflib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["name", "kind", "values", "default", "field", "option", "short", "arg", "help"]
GENERATED = "(generated)"


# ---- reading the table ----

def strip_comments(text):
    """The text without /* */ comments (the table has no // comments or strings with /*)."""
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def split_args(body):
    """The top-level comma-separated arguments of a macro call's body."""
    args, cur, depth, i = [], "", 0, 0
    while i < len(body):
        c = body[i]
        if c in "\"'":
            j = i + 1
            while body[j] != c:
                j += 2 if body[j] == "\\" else 1
            cur += body[i:j + 1]
            i = j + 1
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    args.append(cur.strip())
    return args


def c_value(arg):
    """A C argument as Python: adjacent string literals joined, a char literal, 0 as None,
    anything else (identifiers, member designators) as its text."""
    if arg.startswith('"'):
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', arg)
        return "".join(re.sub(r"\\(.)", r"\1", p) for p in parts)
    if arg.startswith("'"):
        return re.sub(r"\\(.)", r"\1", arg[1:-1])
    if arg == "0":
        return None
    return arg


def read_table(path):
    text = strip_comments(open(path, encoding="utf-8").read())
    rows = []
    for m in re.finditer(r"\bSW_SETTING\(", text):
        depth, i = 1, m.end()
        while depth:
            c = text[i]
            if c in "\"'":
                j = i + 1
                while text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                i = j
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            i += 1
        args = split_args(text[m.end():i - 1])
        if len(args) != len(COLUMNS):
            sys.exit("%s: a row with %d columns instead of %d: %s"
                     % (path, len(args), len(COLUMNS), args[0]))
        rows.append(dict(zip(COLUMNS, (c_value(a) for a in args))))
    if not rows:
        sys.exit("%s: no SW_SETTING rows" % path)
    return rows


# ---- roff ----

def esc(text):
    """Plain text for a roff text line: backslashes escaped."""
    return text.replace("\\", "\\e")


def code(text):
    """Something typed as is (a value, an option): bold, with real minus signs."""
    return "\\fB\\%" + esc(text).replace("-", "\\-") + "\\fR"


def text_line(text):
    """A roff text line; one that would start with a control character is protected."""
    return "\\&" + text if text[:1] in (".", "'") else text


def sentence(text):
    return text[:1].upper() + text[1:] + "."


def default_is_words(row):
    """Defaults that say where the value comes from instead of being one (settings.def)."""
    return row["kind"] in ("GLOBS", "IDENT") or row["default"] == "the threshold"


def default_text(row):
    if default_is_words(row):
        return "default: " + esc(row["default"])
    return "default " + code(row["default"])


def values_text(row, capital=True):
    if row["kind"] == "KEYWORD":
        return " or ".join(code(w) for w in row["values"].split(" or "))
    return esc(sentence(row["values"])[:-1] if capital else row["values"])


def option_names(row):
    names = [code("-" + row["short"])] if row["short"] else []
    return ", ".join(names + [code("--" + row["option"])])


def takes_argument(row):
    return not row["arg"].startswith("=")


def setting_block(row):
    head = values_text(row) + "; " + default_text(row)
    if row["option"]:
        head += "; option " + option_names(row)
    return [".TP", ".B STALLWATCH_" + row["name"], text_line(head + "."),
            text_line(esc(sentence(row["help"])))]


def options_block(rows):
    lines = []
    with_option = [r for r in rows if r["option"]]
    ordered = ([r for r in with_option if r["kind"] == "DURATION"] +
               [r for r in with_option if r["kind"] != "DURATION"])
    for row in ordered:
        var = "STALLWATCH_" + row["name"]
        if takes_argument(row):
            tag = option_names(row) + "=\\fI" + esc(row["arg"]) + "\\fR"
            what = "(%s, %s)." % (code(var), default_text(row))
        else:
            tag = option_names(row)
            what = "(%s)." % code(var + row["arg"])
        text = [esc(sentence(row["help"])[:-1]) + " " + what]  # one sentence a line
        if takes_argument(row) and row["kind"] != "DURATION":  # durations: the intro says
            text.append("\\fI%s\\fR is %s." % (esc(row["arg"]), values_text(row, capital=False)))
        if row["kind"] == "OUTPUTS":
            text.append("Repeatable: each \\fI%s\\fR is checked on its own, and all of them"
                        " together, joined with commas, become %s." % (esc(row["arg"]), code(var)))
        lines += [".TP", text_line(tag)] + [text_line(s) for s in text]
    return lines


# ---- the man page ----

MARKER = re.compile(r'^\.\\" (BEGIN|END) (options|setting (\w+))(?: \(generated\))?\s*$')


def regenerate(page, rows, where):
    """The page with every generated block rewritten; exits on a missing or unknown block."""
    by_name = {r["name"]: r for r in rows}
    seen, out, block = [], [], None
    for n, line in enumerate(page.splitlines(keepends=True), 1):
        m = MARKER.match(line)
        if block is not None:
            if not m:
                continue
            if m.group(1) != "END" or m.group(2) != block:
                sys.exit("%s:%d: %s inside the block %s" % (where, n, line.strip(), block))
            out.append(line)
            block = None
            continue
        out.append(line)
        if not m:
            continue
        if m.group(1) == "END":
            sys.exit("%s:%d: END without BEGIN" % (where, n))
        block = m.group(2)
        name = m.group(3)
        if name is not None and name not in by_name:
            sys.exit("%s:%d: no setting %s in the table" % (where, n, name))
        if block in seen:
            sys.exit("%s:%d: a second block %s" % (where, n, block))
        seen.append(block)
        body = options_block(rows) if name is None else setting_block(by_name[name])
        out += [l + "\n" for l in body]
    if block is not None:
        sys.exit("%s: block %s has no END" % (where, block))
    missing = [r["name"] for r in rows if "setting " + r["name"] not in seen]
    if "options" not in seen:
        missing.insert(0, "the options")
    if missing:
        sys.exit("%s: no generated block for %s; add an empty one where it belongs:\n"
                 "  .\\\" BEGIN setting NAME %s\n  .\\\" END setting NAME"
                 % (where, ", ".join(missing), GENERATED))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 with a diff if the page is out of date")
    ap.add_argument("--table", default=os.path.join(ROOT, "src/core/settings.def"))
    ap.add_argument("--man", default=os.path.join(ROOT, "docs/man/stallwatch.1"))
    args = ap.parse_args()

    rows = read_table(args.table)
    page = open(args.man, encoding="utf-8").read()
    new = regenerate(page, rows, os.path.relpath(args.man, ROOT))
    if new == page:
        return 0
    if args.check:
        rel = os.path.relpath(args.man, ROOT)
        sys.stdout.writelines(difflib.unified_diff(page.splitlines(keepends=True),
                                                   new.splitlines(keepends=True),
                                                   rel, rel + " (from the table)"))
        print("%s is not what %s gives: run scripts/gen_settings_doc.py"
              % (rel, os.path.relpath(args.table, ROOT)))
        return 1
    with open(args.man, "w", encoding="utf-8") as f:
        f.write(new)
    print("rewrote the generated parts of %s" % os.path.relpath(args.man, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
