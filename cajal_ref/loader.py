"""Reading sources and assembling a workspace: the prelude, the user's files, an expression.

This is the front end's driver, shared by the CLI and the library API: it turns
paths and text into parsed, type-checked definitions (`checker.DefInfo`) and
expressions (`CheckedExpr`). Reading failures — a missing file, a directory,
bytes that are not UTF-8 — become `CajalError`s naming the file and position.

A source is read with a bounded read (at most `max_source_bytes()` + 1 bytes), so a
huge or endless file (`/dev/zero`) is refused at once instead of filling memory, and
only regular files are read: a FIFO or a device is refused without opening it for a
blocking read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .checker import DefInfo, Program, Typing, check_module, check_term, unknown_type_message
from .diagnostics import CajalError, ErrorKind, Related, setting
from .parser import parse_context, parse_module, parse_term
from .syntax import Arrow, Def, Module, Opaque, Source, Span, Term, Type, Var, free_vars, subterms

PRELUDE_FILES = ("bool.cj", "nat.cj", "fun.cj")
"""The prelude, in load order (later files use earlier defs)."""

EXAMPLE_FILES = ("apply_n.cj", "iterate.cj", "conditional.cj")
"""Open example programs shipped beside the prelude (SPEC §9)."""


def _package_text(folder: str, name: str) -> Source:
    text = resources.files("cajal_ref").joinpath(folder, name).read_text(encoding="utf-8")
    return Source(f"<{folder}>/{name}", text, library=True)


def prelude_sources() -> list[Source]:
    return [_package_text("prelude", name) for name in PRELUDE_FILES]


def example_source(name: str) -> Source:
    """One of EXAMPLE_FILES, e.g. example_source("iterate.cj")."""
    return _package_text("examples", name)


def example_path(name: str) -> Path:
    """A filesystem path to a shipped example (for passing to the CLI)."""
    return Path(str(resources.files("cajal_ref").joinpath("examples", name)))


DEFAULT_MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""Largest source file read (4 MiB); raise it with the environment variable CAJAL_MAX_SOURCE_BYTES."""


def max_source_bytes() -> int:
    """The source size limit in force: CAJAL_MAX_SOURCE_BYTES, or DEFAULT_MAX_SOURCE_BYTES."""
    return setting("CAJAL_MAX_SOURCE_BYTES", DEFAULT_MAX_SOURCE_BYTES)


_FILE_KINDS = (
    (stat.S_ISDIR, "it is a directory"),
    (stat.S_ISFIFO, "it is a FIFO (named pipe), not a regular file"),
    (stat.S_ISSOCK, "it is a socket, not a regular file"),
    (stat.S_ISCHR, "it is a character device, not a regular file"),
    (stat.S_ISBLK, "it is a block device, not a regular file"),
)


def _read_bounded(path: str | Path, name: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file; larger files and non-regular files are refused."""

    def refuse(why: str) -> CajalError:
        return CajalError(ErrorKind.IO, f"cannot read `{name}`: {why}", file=name)

    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the kind is checked before reading
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise refuse("no such file") from None
    except IsADirectoryError:
        raise refuse("it is a directory") from None
    except OSError as exc:
        raise refuse(str(exc.strerror or exc)) from None
    except ValueError:  # a NUL character in the name
        raise refuse("a file name cannot contain a NUL character") from None
    chunks: list[bytes] = []
    size = 0
    try:
        mode = os.fstat(fd).st_mode
        for kind, why in _FILE_KINDS:
            if kind(mode):
                raise refuse(why)
        if not stat.S_ISREG(mode):
            raise refuse("it is not a regular file")
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise refuse(str(exc.strerror or exc)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise refuse(
            f"the file is larger than the source size limit of {limit:,} bytes "
            "(raise it with the environment variable CAJAL_MAX_SOURCE_BYTES)"
        )
    return b"".join(chunks)


def read_source(path: str | Path, *, max_bytes: int | None = None) -> Source:
    """Read a UTF-8 source file of at most `max_bytes` (default: `max_source_bytes()`).

    Every failure is a CajalError naming the file.
    """
    name = str(path)
    data = _read_bounded(path, name, max_source_bytes() if max_bytes is None else max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        source = Source(name, prefix + data[exc.start :].decode("utf-8", errors="replace"))
        span = Span(source, len(prefix), len(prefix) + 1)
        raise CajalError(
            ErrorKind.IO,
            f"`{name}` is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "Cajal sources must be UTF-8 text",
            span,
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(name, text)


@dataclass(frozen=True)
class CheckedExpr:
    """An expression checked against the workspace: its type, context and recurrent weights."""

    term: Term
    type: Type
    context: tuple[tuple[str, Type], ...]
    recurrent_weights: tuple[str, ...]
    typing: Typing
    source: Source


@dataclass
class Workspace:
    """Everything in scope: the prelude's and the files' types and defs, in load order."""

    program: Program
    strict_iter: bool = False
    modules: list[tuple[Module, list[DefInfo]]] = field(default_factory=list)
    not_strict: dict[str, CajalError] = field(default_factory=dict)
    """In strict mode: defs (from the prelude) that use recurrent weights, with the strict error."""

    @property
    def defs(self) -> dict[str, DefInfo]:
        return self.program.defs

    def __repr__(self) -> str:
        strict = ", strict" if self.strict_iter else ""
        return f"<Workspace: {len(self.program.types)} types, {len(self.defs)} defs{strict}>"

    def add_source(self, source: Source, *, lenient: bool = False) -> list[DefInfo]:
        """Parse and check one source. `lenient`: strict-mode failures are deferred (prelude)."""
        module = parse_module(source)
        if self.strict_iter and lenient:
            infos = check_module(module, self.program, strict_iter=False)
            for info in infos:
                self._record_strictness(info)
        else:
            if self.strict_iter:
                for decl_term in _def_bodies(module):
                    self._refuse_non_strict_refs(decl_term)
            infos = check_module(module, self.program, strict_iter=self.strict_iter)
        self.modules.append((module, infos))
        return infos

    def _record_strictness(self, info: DefInfo) -> None:
        try:
            self._refuse_non_strict_refs(info.body)
            check_term(
                info.body, info.context, self.program.defs, types=set(self.program.types), strict_iter=True
            )
        except CajalError as err:
            self.not_strict[info.name] = err

    def _refuse_non_strict_refs(self, term: Term) -> None:
        bad = free_vars(term) & self.not_strict.keys()
        if not bad:
            return
        use = next(sub for sub in subterms(term) if isinstance(sub, Var) and sub.name in bad)
        cause = self.not_strict[use.name]
        related = (Related(cause.span, cause.message),) if cause.span is not None else ()
        raise CajalError(
            ErrorKind.STRICT_ITER,
            f"`{use.name}` uses a recurrent weight, which strict mode (--strict-iter) forbids",
            use.span,
            rule="Iter",
            related=related,
        )

    def check_expression(
        self, text: str, ctx_text: str | None = None, *, name: str = "<expr>"
    ) -> CheckedExpr:
        """Parse and check an expression (`-e EXPR`) over an optional context (`--ctx`)."""
        source = Source(name, text)
        term = parse_term(source)
        ctx_entries = parse_context(Source("<ctx>", ctx_text)) if ctx_text else ()
        ctx = tuple((n, t) for n, t, _ in ctx_entries)
        spans = {n: s for n, _, s in ctx_entries}
        for n, t, span in ctx_entries:
            self._require_declared(t, span, n)
        if self.strict_iter:
            self._refuse_non_strict_refs(term)
        typing = check_term(
            term,
            ctx,
            self.program.defs,
            types=set(self.program.types),
            strict_iter=self.strict_iter,
            ctx_spans=spans,
        )
        return CheckedExpr(term, typing.type, ctx, typing.recurrent_weights, typing, source)

    def _require_declared(self, t: Type, span: Span, var: str) -> None:
        if isinstance(t, Opaque):
            if t.name not in self.program.types:
                raise CajalError(
                    ErrorKind.UNKNOWN_TYPE,
                    unknown_type_message(
                        t.name, f"`{var}`", self.program.types, f"declare it in a file with `type {t.name}`"
                    ),
                    span,
                )
        elif isinstance(t, Arrow):
            self._require_declared(t.dom, span, var)
            self._require_declared(t.cod, span, var)


def _def_bodies(module: Module) -> list[Term]:
    return [d.body for d in module.decls if isinstance(d, Def)]


def load_workspace(
    paths: Sequence[str | Path] = (),
    *,
    prelude: bool = True,
    strict_iter: bool = False,
    examples: bool = False,
) -> Workspace:
    """Load the prelude (unless `prelude=False`), optionally the shipped examples, then the files."""
    ws = Workspace(Program(types={}, defs={}), strict_iter=strict_iter)
    if prelude:
        for source in prelude_sources():
            ws.add_source(source, lenient=True)
    if examples:
        for name in EXAMPLE_FILES:
            ws.add_source(example_source(name), lenient=True)
    for path in paths:
        ws.add_source(read_source(path))
    return ws
