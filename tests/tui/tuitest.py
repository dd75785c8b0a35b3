"""What the screen tests share: TAP output, xrtop in a detached tmux
(TZ=UTC, C.UTF-8, TERM=tmux-256color), waiting for the screen, golden
files, and the colour attributes of a screen reduced to a stable form.

A style map is how capture-pane -e shows a screen with its escape
sequences, turned into one letter per cell: each distinct combination of
attributes and colours gets a letter in order of first appearance, with a
legend ("a  bold fg=red"); '.' is plain text.  It shows what the eye sees:
a blank's bold, dim or foreground colour (which xrtop may set to spare
attribute changes) count as plain.  It does not depend on how tmux
happens to order or merge its SGR sequences.

UPDATE_GOLDEN=1 rewrites the golden files from what the screens show."""

import os
import subprocess
import sys
import time
import unicodedata

XRTOP = os.path.abspath(os.environ.get("XRTOP", "src/xrtop"))
TOP = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(TOP, "tests", "tui", "golden")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
TIMEOUT = 10.0


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond:
            self.failed += 1
            if detail:
                for line in str(detail).splitlines():
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in s)


class Tmux:
    """A private tmux server; sessions run xrtop and print its exit status."""

    def __init__(self, tap, name):
        self.tap = tap
        self.socket = "xrtop-%s-%d" % (name, os.getpid())
        self.run("new-session", "-d", "-s", "keep", "sleep", "600")

    def run(self, *args, check=True):
        r = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.decode()))
        return r.stdout.decode()

    def start(self, name, cols, rows, args, env="", cwd="."):
        cmd = "cd %s && env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color %s %s %s; " \
              "echo EXITED $?; sleep 60" % (quote(cwd), env, quote(XRTOP),
                                           " ".join(quote(a) for a in args))
        self.session(name, cols, rows, cmd)

    def session(self, name, cols, rows, cmd):
        """A new session of COLS x ROWS running the shell command CMD."""
        self.run("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows),
                 "sh", "-c", cmd)
        self.run("set-option", "-t", name, "status", "off")
        self.run("resize-window", "-t", name, "-x", str(cols), "-y", str(rows))

    def capture(self, name, escapes=False):
        args = ["capture-pane", "-p", "-t", name]
        if escapes:  # with the trailing blanks, which may carry attributes
            args[1:1] = ["-e", "-N"]
        return self.run(*args)

    def wait_for(self, name, pred, what, timeout=TIMEOUT):
        end = time.time() + timeout
        screen = ""
        while time.time() < end:
            screen = self.capture(name)
            if pred(screen):
                return screen
            time.sleep(0.05)
        self.tap.ok(False, "waiting for %s" % what, screen)
        return screen

    def wait_selected(self, name, text, timeout=TIMEOUT):
        """Polls until the row in reverse video (the selection, below the
        title) contains text; returns the screen with its escapes."""
        def selected(esc):
            for row in cells(esc)[1:]:
                if row and sum("reverse" in c[1] for c in row) > len(row) // 2 and \
                        text in "".join(c[0] for c in row):
                    return True
            return False
        end = time.time() + timeout
        esc = ""
        while time.time() < end:
            esc = self.capture(name, escapes=True)
            if selected(esc):
                return esc
            time.sleep(0.05)
        self.tap.ok(False, "waiting for the selection on %r" % text, self.capture(name))
        return esc

    def wait_text(self, name, text, timeout=TIMEOUT):
        return self.wait_for(name, lambda s: text in s, repr(text), timeout)

    def settle(self, name, escapes=False):
        """The screen once two captures 100 ms apart agree."""
        last = self.capture(name, escapes)
        for _ in range(100):
            time.sleep(0.1)
            now = self.capture(name, escapes)
            if now == last:
                return now
            last = now
        return last

    def keys(self, name, *k):
        self.run("send-keys", "-t", name, *k)

    def literal(self, name, text):
        self.run("send-keys", "-t", name, "-l", text)

    def kill(self, name):
        self.run("kill-session", "-t", name, check=False)

    def stop(self):
        self.run("kill-server", check=False)


def normal(screen):
    return "\n".join(line.rstrip() for line in screen.rstrip("\n").split("\n")) + "\n"


def golden(tap, got, file, what, folder=GOLDEN):
    """Compares got (already normalised) with FILE in folder (tests/tui/golden)."""
    path = os.path.join(folder, file)
    if UPDATE:
        with open(path, "w", encoding="utf-8") as f:
            f.write(got)
    try:
        with open(path, encoding="utf-8") as f:
            want = f.read()
    except OSError as e:
        return tap.ok(False, what + " (golden %s)" % file, e)
    if got != want:
        import difflib
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "golden/" + file, "screen"))
        return tap.ok(False, what + " matches golden/" + file, diff)
    return tap.ok(True, what + " matches golden/" + file)


COLOURS = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]


class Style:
    """The SGR state of a cell."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.bold = self.dim = self.italic = self.underline = self.blink = False
        self.reverse = self.hidden = self.strike = False
        self.fg = self.bg = None

    def colour(self, params, i):
        """An extended colour (38;5;N or 38;2;R;G;B) at params[i]; returns
        its name and the index after it."""
        if i + 1 < len(params) and params[i + 1] == 5 and i + 2 < len(params):
            n = params[i + 2]
            return (COLOURS[n] if n < 8 else "bright-" + COLOURS[n - 8] if n < 16
                    else "colour%d" % n), i + 3
        if i + 1 < len(params) and params[i + 1] == 2 and i + 4 < len(params):
            return "#%02x%02x%02x" % tuple(params[i + 2:i + 5]), i + 5
        return None, len(params)

    def apply(self, params):
        if not params:
            params = [0]
        i = 0
        while i < len(params):
            p = params[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 2:
                self.dim = True
            elif p == 3:
                self.italic = True
            elif p == 4:
                self.underline = True
            elif p == 5:
                self.blink = True
            elif p == 7:
                self.reverse = True
            elif p == 8:
                self.hidden = True
            elif p == 9:
                self.strike = True
            elif p == 22:
                self.bold = self.dim = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = False
            elif p == 25:
                self.blink = False
            elif p == 27:
                self.reverse = False
            elif p == 28:
                self.hidden = False
            elif p == 29:
                self.strike = False
            elif 30 <= p <= 37:
                self.fg = COLOURS[p - 30]
            elif 90 <= p <= 97:
                self.fg = "bright-" + COLOURS[p - 90]
            elif p == 39:
                self.fg = None
            elif 40 <= p <= 47:
                self.bg = COLOURS[p - 40]
            elif 100 <= p <= 107:
                self.bg = "bright-" + COLOURS[p - 100]
            elif p == 49:
                self.bg = None
            elif p in (38, 48):
                name, i = self.colour(params, i)
                if p == 38:
                    self.fg = name
                else:
                    self.bg = name
                continue
            i += 1

    def describe(self, blank=False):
        """The attributes as words; for a blank, only those that show on
        it (bold, dim, italic, blink and the foreground colour do not,
        unless in reverse video)."""
        if blank and not self.reverse:
            words = [w for w, on in (("underline", self.underline), ("strike", self.strike))
                     if on]
            if self.bg:
                words.append("bg=" + self.bg)
            return " ".join(words)
        words = [w for w, on in (("bold", self.bold), ("dim", self.dim), ("italic", self.italic),
                                 ("underline", self.underline), ("blink", self.blink),
                                 ("reverse", self.reverse), ("hidden", self.hidden),
                                 ("strike", self.strike)) if on]
        if self.fg:
            words.append("fg=" + self.fg)
        if self.bg:
            words.append("bg=" + self.bg)
        return " ".join(words)


def cells(escaped):
    """The cells of a capture-pane -e screen: a list of lines, each a list
    of (text, style description) per column (a wide character's second
    column repeats its style with text "")."""
    st = Style()
    lines = []
    for raw in escaped.rstrip("\n").split("\n"):
        row = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\x1b" and raw[i + 1:i + 2] == "[":
                j = i + 2
                while j < len(raw) and not ("@" <= raw[j] <= "~"):
                    j += 1
                if j < len(raw) and raw[j] == "m":
                    body = raw[i + 2:j]
                    st.apply([int(p) if p else 0 for p in body.replace(":", ";").split(";")]
                             if body else [])
                i = j + 1
                continue
            if ch == "\x1b":  # another escape (tmux uses none in captures): skip it
                i += 2
                continue
            w = width(ch)
            if w == 0 and row:
                text, style = row[-1]
                row[-1] = (text + ch, style)
            else:
                row.append((ch, st.describe(ch == " ")))
                if w == 2:
                    row.append(("", st.describe()))
            i += 1
        lines.append(row)
    return lines


def style_map(escaped, rows=None):
    """The screen as text lines each followed by its style line, for the
    lines in rows (all when None), with the legend of the letters first.
    Trailing plain blanks are left out."""
    grid = cells(escaped)
    letters = {"": "."}
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    body = []
    for y, row in enumerate(grid):
        if rows is not None and y not in rows:
            continue
        while row and row[-1][0] in (" ", "") and row[-1][1] == "":
            row = row[:-1]
        text = "".join(c[0] for c in row)
        marks = ""
        for _, style in row:
            if style not in letters:
                letters[style] = alphabet[len(letters) - 1]
            marks += letters[style]
        body.append("%2d %s" % (y, text))
        body.append("   " + marks)
    legend = ["%s  %s" % (letter, style or "plain") for style, letter in letters.items()]
    return "\n".join(["styles:"] + legend + ["screen:"] + body) + "\n"


def style_at(escaped, y, x):
    """The style description of the cell at column x of line y."""
    row = cells(escaped)[y]
    return row[x][1] if x < len(row) else ""
