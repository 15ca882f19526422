"""The documentation runs: docs/api.md's examples (doctest) and docs/tour.ipynb (nbclient)."""

from __future__ import annotations

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_api_md_examples_run_and_print_what_the_page_says() -> None:
    result = doctest.testfile(
        str(DOCS / "api.md"), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.attempted > 20
    assert result.failed == 0
