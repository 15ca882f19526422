(** The axioms each theorem depends on.  [python -m proofs] and tests/test_coq.py require each
    [Print Assumptions] below to print "Closed under the global context": no axiom and no admitted
    lemma; the output is committed as assumptions.txt. *)
From Cajal Require Import Vec Syntax Compile Direct Linear Tensor Correct Decide Degree
  Determinism Ground Subst Check.

Check T1_total.
Print Assumptions T1_total.
Check T1_closed.
Print Assumptions T1_closed.
Check T3_linear.
Print Assumptions T3_linear.
Check T3_strict.
Print Assumptions T3_strict.
Check T3_degree.
Print Assumptions T3_degree.
Check degb_le_pow.
Print Assumptions degb_le_pow.
Check T3_degree_pow.
Print Assumptions T3_degree_pow.
Check degb_K0.
Print Assumptions degb_K0.
Check T3_degree_K0.
Print Assumptions T3_degree_K0.
Check spec_bound_false_at_K0.
Print Assumptions spec_bound_false_at_K0.
Check pdeg_zero_const.
Print Assumptions pdeg_zero_const.
Check tensor_contraction.
Print Assumptions tensor_contraction.
Check basis_inputs_suffice.
Print Assumptions basis_inputs_suffice.
Check R_ground_exactly.
Print Assumptions R_ground_exactly.
Check R_ground_unique.
Print Assumptions R_ground_unique.
Check Renv_ground_exactly.
Print Assumptions Renv_ground_exactly.
Check T2_relation.
Print Assumptions T2_relation.
Check T2_closed.
Print Assumptions T2_closed.
Check T2_closed_ground.
Print Assumptions T2_closed_ground.
Check compile_subst.
Print Assumptions compile_subst.
Check lty_subst.
Print Assumptions lty_subst.
Check subst_lemma.
Print Assumptions subst_lemma.
Check tc_sound.
Print Assumptions tc_sound.
Check eval_sound.
Print Assumptions eval_sound.
Check ev_deterministic.
Print Assumptions ev_deterministic.
Check closed_ground_instance.
Print Assumptions closed_ground_instance.
