"""Every command's --json output against the schema docs/cli.md prints for it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # the dev extra
import pytest

from tests.cli_helpers import cajal

REPO = Path(__file__).resolve().parent.parent
APPLY_N = "cajal_ref/examples/apply_n.cj"


def schemas() -> dict[str, Any]:
    """The ```json block under each `### NAME` of the JSON schemas section of docs/cli.md."""
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## JSON schemas", 1)[1]
    found: dict[str, Any] = {}
    for heading, body in re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", section, re.MULTILINE | re.DOTALL):
        block = re.search(r"```json\n(.*?)```", body, re.DOTALL)
        if block is not None:
            schema = json.loads(block.group(1))
            jsonschema.Draft202012Validator.check_schema(schema)
            found[heading.split()[0].lower()] = schema
    return found


SCHEMAS = schemas()


def test_every_command_with_a_result_has_a_schema() -> None:
    assert set(SCHEMAS) >= {"failure", "check", "eval", "compile", "derive", "trace", "verify"}


CASES = [
    ("check", ["check", "--json"], 0),
    ("check", ["check", APPLY_N, "--json"], 0),
    ("eval", ["eval", "-e", "is_even 3", "--json"], 0),
    ("eval", ["eval", "-e", "not", "--json"], 0),
    ("compile", ["compile", "-e", "not", "-K", "2", "--json"], 0),
    ("compile", ["compile", APPLY_N, "-e", "apply_n", "-K", "2", "--bind", "f=double", "--json"], 0),
    ("compile", ["compile", "-e", "if x then y else not y", "--ctx", "x : Bool, y : Bool",
                 "--symbolic", "--json"], 0),
    ("derive", ["derive", "-e", "is_even 3", "--json"], 0),
    ("derive", ["derive", "-e", "fun x : Bool => and x x", "--json"], 1),
    ("trace", ["trace", "-e", "is_even 2", "-K", "3", "--json"], 0),
    ("verify", ["verify", "--def", "not", "--json"], 0),
    ("failure", ["eval", "-e", "if true then false", "--json"], 1),
    ("failure", ["compile", "-e", "not", "-K", "-1", "--json"], 2),
    ("failure", ["check", "no_such_file.cj", "--json"], 1),
]


@pytest.mark.parametrize(("schema", "argv", "code"), CASES, ids=[" ".join(c[1]) for c in CASES])
def test_output_follows_its_schema(schema: str, argv: list[str], code: int) -> None:
    got, out, err = cajal(*argv)
    assert got == code, err
    jsonschema.validate(json.loads(out), SCHEMAS[schema])


def test_context_means_the_declared_context_in_check_and_compile() -> None:
    _, checked, _ = cajal("check", APPLY_N, "--json")
    (entry,) = json.loads(checked)["defs"]
    _, compiled, _ = cajal("compile", APPLY_N, "-e", "apply_n", "-K", "2", "--bind", "f=double", "--json")
    data = json.loads(compiled)
    assert data["context"] == entry["context"]  # f, n, x with their types, f recurrent
    assert (data["bound"], data["unbound"]) == (["f"], ["n", "x"])
    assert data["shape"] == [3, 3, 3]  # value × n × x at K = 2


def test_a_schema_rejects_a_wrong_shape() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "Nat", "value": 3}, SCHEMAS["eval"])  # no peak
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "Nat", "nat_bound": 2, "context": [{"name": "x", "type": "Nat"}],
                             "bound": [], "unbound": ["x"], "shape": [3], "entries": []},
                            SCHEMAS["compile"])  # a context entry without `recurrent`


def test_several_errors_follow_the_failure_schema(tmp_path: Path) -> None:
    path = tmp_path / "two.cj"
    path.write_text("def a : Nat = true\ndef b : Bool = zero\n", encoding="utf-8")
    code, out, _ = cajal("check", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and len(data["errors"]) == 2
    jsonschema.validate(data, SCHEMAS["failure"])
