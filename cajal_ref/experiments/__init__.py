"""The paper's two experiments (SPEC §7): compiled Cajal programs linked with learned networks.

Modules: `data` (scikit-learn digits, the split, the dilation targets), `models`
(direct: the compiled example program linked through `backends.jax_backend`;
indirect: a plain CNN), `train` (Adam on L1, jitted, test PSNR), `tuning` (the
hyperparameter grid), `run` (a whole experiment and its files), `report` (the
table), `figures` (the figures, `make_experiment_figures(results_dir, out_dir)`),
`outputs` (atomic writes). Needs the `learn` extra (jax, optax, scikit-learn,
matplotlib); importing this package itself imports none of them. The core
(syntax … compiler) never imports this package.
"""
