"""The documentation agrees with the repository: the paths it names exist, the configuration table lists
every variable the code reads from the environment, and README.md links every page under docs/.

Plain file reading: no database, no server."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
OPERATIONS = DOCS / "operations.md"
DOC_FILES = [README, *sorted(DOCS.glob("*.md"))]

# Fenced blocks hold commands, JSON and HTML: their text is examples, not names of repository files.
FENCED_BLOCK = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK_TARGET = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
# Paths start with a letter, a dot or an underscore and hold no spaces, colons or placeholders, which
# leaves out URLs, API paths (`/api/...`), throttle rates (`60/minute`) and addresses (`169.254.0.0/16`).
PATH_LIKE = re.compile(r"[A-Za-z_.][\w.\-/]*")
CHECKED_SUFFIXES = (".py", ".md", ".txt", ".toml", ".ini", ".cfg")
# `.ics` or `.txt` alone names a kind of file, not a file.
BARE_EXTENSION = re.compile(r"\.[a-z0-9]{1,4}")
# A folder named by its setting (`DATA_DIR/secret_key`) exists only where the service runs.
SETTING_NAMED = re.compile(r"[A-Z][A-Z0-9_]*/")
TIME_ZONE = re.compile(r"[A-Z][a-z]+(/[A-Z][\w+\-]*)+")  # `Europe/London`
EXTERNAL = ("http://", "https://", "mailto:")


def prose(doc: Path) -> str:
    return FENCED_BLOCK.sub("", doc.read_text())


def ignored_folders() -> tuple[str, ...]:
    """Folders .gitignore names (`var/`, `.venv/`): made where the service or its tools run, never committed."""
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return tuple(line.strip().lstrip("/") for line in lines if line.strip().endswith("/"))


def named_paths(text: str) -> list[str]:
    """The backticked tokens of `text` that name a repository file or folder."""
    ignored = ignored_folders()
    return [token for token in INLINE_CODE.findall(text) if names_a_path(token, ignored)]


def names_a_path(token: str, ignored: tuple[str, ...]) -> bool:
    if not PATH_LIKE.fullmatch(token) or BARE_EXTENSION.fullmatch(token) or TIME_ZONE.fullmatch(token):
        return False
    if SETTING_NAMED.match(token) or (token.rstrip("/") + "/").startswith(ignored):
        return False
    # A dotted name without a slash is a module (`scheduling.models`) unless it ends like a file.
    return "/" in token or token.endswith(CHECKED_SUFFIXES) or token.startswith(".")


def anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(prose(doc)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(doc: Path) -> list[str]:
    broken = []
    for target in LINK_TARGET.findall(prose(doc)):
        if target.startswith(EXTERNAL):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target} (no such heading)")
    return broken


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_path_the_docs_name_exists(doc):
    missing = [f"`{path}`" for path in named_paths(prose(doc)) if not (ROOT / path).exists()]
    missing += [f"link {link}" for link in broken_links(doc)]
    name = doc.relative_to(ROOT)
    assert not missing, f"{name} names what the repository does not have:\n" + "\n".join(
        f"  {name}: {item}" for item in sorted(set(missing))
    )


def source_files() -> list[Path]:
    """The code that runs the service: tests, their fixtures and settings, hidden folders and the data
    folder left out."""
    skipped = {"tests", "var", "__pycache__"}
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if path.name not in ("conftest.py", "settings_test.py")
        and not any(part in skipped or part.startswith(".") for part in path.relative_to(ROOT).parts[:-1])
    ]


def _is_os_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and _is_name(node.value, "os")


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _readers_of_django_environ(tree: ast.AST) -> set[str]:
    """Names bound to `environ.Env()` (django-environ): calling them, or their typed methods, reads a variable."""
    return {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr == "Env"
        and _is_name(node.value.func.value, "environ")
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _variable_read(node: ast.AST, readers: set[str]) -> ast.AST | None:
    """The expression naming the variable if `node` reads one from the environment, else None."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Name) and func.id in readers:  # env("X")
            return node.args[0]
        if isinstance(func, ast.Attribute):
            if _is_name(func.value, "os") and func.attr == "getenv":  # os.getenv("X")
                return node.args[0]
            if _is_os_environ(func.value) and func.attr in {"get", "setdefault"}:  # os.environ.get("X")
                return node.args[0]
            if isinstance(func.value, ast.Name) and func.value.id in readers and func.attr != "read_env":
                return node.args[0]  # env.bool("X"), env.db("X"), ...
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_os_environ(node.value):
        return node.slice  # os.environ["X"]
    if isinstance(node, ast.Compare) and any(_is_os_environ(right) for right in node.comparators):
        return node.left  # "X" in os.environ
    return None


def environment_variables_read() -> tuple[dict[str, list[str]], list[str]]:
    """{variable: [where it is read]}, and the reads whose variable name is computed, so cannot be checked."""
    read: dict[str, list[str]] = {}
    computed = []
    for path in source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        readers = _readers_of_django_environ(tree)
        for node in ast.walk(tree):
            name = _variable_read(node, readers)
            if name is None:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                read.setdefault(name.value, []).append(where)
            else:
                computed.append(where)
    return read, computed


def configuration_table() -> set[str]:
    """The variables in the first column of the table under "## Configuration" in docs/operations.md."""
    lines = OPERATIONS.read_text().splitlines()
    start = lines.index("## Configuration")
    table = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    rows = table[2:]  # past the header and its separator
    return {name for row in rows for name in INLINE_CODE.findall(row.split("|")[1])}


def test_the_code_reads_the_environment_where_this_test_looks():
    read, _ = environment_variables_read()
    # Guards the search itself: were it to find nothing, the check below would pass on nothing.
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "WEB_CONCURRENCY"} <= set(read)


def test_every_environment_variable_the_code_reads_is_in_the_configuration_table():
    read, computed = environment_variables_read()
    listed = configuration_table()
    missing = [f"  `{name}`, read at {', '.join(read[name])}" for name in sorted(set(read) - listed)]
    assert not missing, "docs/operations.md's configuration table lacks:\n" + "\n".join(missing)
    assert not computed, "variables read under a computed name cannot be checked against the table: " + ", ".join(
        computed
    )


def test_the_configuration_table_lists_only_variables_the_code_reads():
    read, _ = environment_variables_read()
    stale = sorted(configuration_table() - set(read))
    assert not stale, f"docs/operations.md's configuration table lists variables nothing reads: {stale}"


def test_readme_links_every_docs_page():
    linked = {
        (ROOT / target.partition("#")[0]).resolve()
        for target in LINK_TARGET.findall(prose(README))
        if not target.startswith(EXTERNAL)
    }
    pages = sorted(DOCS.glob("*.md"))
    assert pages, "docs/ has pages"
    unlinked = [str(page.relative_to(ROOT)) for page in pages if page.resolve() not in linked]
    assert not unlinked, f"README.md does not link: {unlinked}"
