(** The axioms each theorem depends on.  [python -m proofs] and tests/test_coq.py require each
    [Print Assumptions] below to print "Closed under the global context": no axiom and no admitted
    lemma; the output is committed as assumptions.txt. *)
From Cajal Require Import Vec Syntax Compile Direct Linear Tensor Correct Decide Check.

Check T1_total.
Print Assumptions T1_total.
Check T1_closed.
Print Assumptions T1_closed.
Check T3_linear.
Print Assumptions T3_linear.
Check T3_strict.
Print Assumptions T3_strict.
Check tensor_contraction.
Print Assumptions tensor_contraction.
Check basis_inputs_suffice.
Print Assumptions basis_inputs_suffice.
Check T2_relation.
Print Assumptions T2_relation.
Check T2_closed.
Print Assumptions T2_closed.
Check T2_closed_ground.
Print Assumptions T2_closed_ground.
Check tc_sound.
Print Assumptions tc_sound.
Check eval_sound.
Print Assumptions eval_sound.
Check closed_ground_instance.
Print Assumptions closed_ground_instance.
