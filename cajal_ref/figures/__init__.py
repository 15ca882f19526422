"""Figures of the compiled neurons, the typing rules and derivations (matplotlib, Agg).

Nothing in the core (syntax … compiler) imports this package. Modules:
`style` (look, deterministic saving), `heatmaps` (compiled matrices), `recurrent`
(an unrolled recurrent neuron), `network` (the compiled network), `derivation`
(rules and derivations via mathtext), `index` (the list of figures and `generate`).
Importing this package itself does not import matplotlib.
"""
