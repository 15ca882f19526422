"""The vector spaces of SPEC §5 and the conventions of §8, checked against hand-written values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.spaces import (
    basis_labels,
    decode,
    dim,
    enc,
    flat_index,
    function_shape,
    printed_shape,
    shift_matrix,
    tensor_shape,
    to_matrix,
    to_vector,
    value_shape,
)
from cajal_ref.syntax import BOOL, NAT, Arrow, Opaque, arrow


def test_dimensions() -> None:
    assert dim(BOOL, 9) == 2
    assert dim(NAT, 9) == 10
    assert dim(NAT, 0) == 1
    assert dim(arrow(BOOL, BOOL, BOOL), 9) == 8
    # (Nat -o Nat) -o Nat has (K+1)^3 entries (SPEC §5)
    assert dim(Arrow(arrow(NAT, NAT), NAT), 9) == 1000
    assert dim(Opaque("Img"), 9, {"Img": 64}) == 64
    assert dim(arrow(Opaque("Img"), Opaque("Img")), 3, {"Img": 5}) == 25


def test_huge_dimension_is_an_exact_int() -> None:
    t = NAT
    for _ in range(6):
        t = Arrow(t, NAT)
    assert dim(t, 9) == 10**7


def test_opaque_without_dimension_is_an_error() -> None:
    with pytest.raises(CajalError) as info:
        dim(Opaque("Img"), 9)
    assert info.value.kind is ErrorKind.UNKNOWN_TYPE
    assert "Img" in info.value.message


def test_shapes() -> None:
    and_t = arrow(BOOL, BOOL, BOOL)
    assert value_shape(and_t, 9) == (4, 2)  # SPEC §8: `and` is a 4×2 matrix
    assert function_shape(arrow(NAT, BOOL), 3) == (2, 4)
    assert value_shape(NAT, 3) == (4,)
    ctx = (("x", BOOL), ("y", BOOL))
    assert tensor_shape(BOOL, ctx, 9) == (2, 2, 2)
    assert tensor_shape(and_t, (("n", NAT),), 2) == (8, 3)
    assert printed_shape(and_t, (("n", NAT),), 2) == (4, 2, 3)


def test_labels() -> None:
    assert basis_labels(BOOL, 9) == ["true", "false"]
    assert basis_labels(NAT, 3) == ["0", "1", "2", "3"]
    # row-major: entry (b, a) of the matrix at index b·dim A + a
    assert basis_labels(arrow(BOOL, NAT), 1) == ["(0,true)", "(0,false)", "(1,true)", "(1,false)"]


def test_enc() -> None:
    assert list(enc(True, BOOL, 9)) == [1, 0]  # type: ignore[arg-type]
    assert list(enc(False, BOOL, 9)) == [0, 1]  # type: ignore[arg-type]
    assert list(enc(2, NAT, 3)) == [0, 0, 1, 0]  # type: ignore[arg-type]
    assert enc(4, NAT, 3) is None  # not representable at K = 3
    with pytest.raises(ValueError):
        enc(True, NAT, 3)
    with pytest.raises(ValueError):
        enc(-1, NAT, 3)


@given(st.integers(0, 12), st.integers(0, 12))
def test_decode_inverts_enc(n: int, k: int) -> None:
    v = enc(n, NAT, k)
    if n > k:
        assert v is None
    else:
        assert decode(v, NAT) == n
    assert decode(np.zeros(k + 1, dtype=np.int64), NAT) is None


def test_shift_matrix_truncates() -> None:
    sh = shift_matrix(3)
    expected = [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    assert sh.tolist() == expected
    assert list(sh @ np.array([0, 0, 0, 1])) == [0, 0, 0, 0]  # Sh e_K = 0
    assert shift_matrix(0).tolist() == [[0]]


@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_flattening_is_row_major(rows: int, cols: int, data: st.DataObject) -> None:
    b = data.draw(st.integers(0, rows - 1))
    a = data.draw(st.integers(0, cols - 1))
    matrix = np.zeros((rows, cols), dtype=np.int64)
    matrix[b, a] = 7
    flat = to_vector(matrix)
    assert flat[flat_index(b, a, cols)] == 7
    assert int(flat.sum()) == 7
    t = Arrow(Opaque("A"), Opaque("B"))
    back = to_matrix(flat, t, 0, {"A": cols, "B": rows})
    assert back.tolist() == matrix.tolist()
