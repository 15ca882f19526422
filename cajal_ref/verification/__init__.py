"""Differential testing of the compiler against the interpreter (SPEC §6).

- `strategies`: hypothesis strategies for well-typed linear programs, types and values
  (public: use them to test another Cajal implementation);
- `relation`: the logical relation R_A, encodings, linking, capture-avoiding substitution;
- `verify`: the properties (three views of T2, and T3) and `verify_def` for `cajal verify`;
- `mutants`: deliberate compiler bugs for `cajal mutants`.

Nothing is imported here, so that using `relation` does not require hypothesis.
"""
