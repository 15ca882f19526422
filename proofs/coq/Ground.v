(** Corollary 3.2, second half: at ground types the environments related by R (SPEC §6) are
    exactly the tuples of basis vectors, each related to exactly one tuple of values.  With
    [basis_inputs_suffice] (Tensor.v): checking T2 at every basis tuple checks it at every related
    environment, and a map linear in all its ground variables is fixed by those checks. *)
From Coq Require Import List Arith Lia Bool.
From Cajal Require Import Vec Syntax Compile Direct Correct.
Import ListNotations.
Open Scope nat_scope.

(** Every basis vector of a ground type is the encoding of a value. *)
Lemma basis_related K B k : ground B -> k < dim K B -> exists a, R K B (basis (dim K B) k) a.
Proof.
  destruct B; simpl; try contradiction; intros _ Hk.
  - exists (VB (Nat.eqb k 0)). simpl. destruct k as [|[|k]]; simpl; auto; lia.
  - exists (VN k). simpl. split; [lia|reflexivity].
Qed.

(** ... and of only one. *)
Lemma R_ground_unique K B w a a' : ground B -> R K B w a -> R K B w a' -> a = a'.
Proof.
  intros HB H H'. destruct B; simpl in HB; try contradiction;
    destruct a as [b| | |]; try contradiction; destruct a' as [b'| | |]; try contradiction;
    simpl in H, H'.
  - subst. apply (f_equal (fun v => at_ v 0)) in H'. unfold basis in H'.
    rewrite !at_mkvec in H' by (destruct b, b'; simpl; lia).
    destruct b, b'; simpl in H'; auto; discriminate.
  - destruct H as [Hn ->], H' as [Hn' E].
    apply (f_equal (fun v => at_ v n)) in E. rewrite !at_basis in E by lia.
    rewrite Nat.eqb_refl in E. destruct (Nat.eqb_spec n n0); [now subst|discriminate].
Qed.

(** A vector is related to some value of a ground type iff it is a basis vector. *)
Theorem R_ground_exactly K B w : ground B ->
  (exists a, R K B w a) <-> exists k, k < dim K B /\ w = basis (dim K B) k.
Proof.
  intros HB. split.
  - intros [a Ha]. eapply R_ground_basis; eauto.
  - intros [k [Hk ->]]. now apply basis_related.
Qed.

(** Corollary 3.2, second half: over a context of ground variables, the environments of vectors
    related to some environment of values are exactly the tuples of basis vectors. *)
Theorem Renv_ground_exactly K G rho : (forall x B, has G x B -> ground B) ->
  (exists g, Renv K G rho g) <->
  (forall x B, has G x B -> exists k, k < dim K B /\ rho x = basis (dim K B) k).
Proof.
  intros HG. split.
  - intros [g Hg] x B Hx. destruct (Hg x B Hx) as [a [_ Ha]].
    eapply R_ground_basis; eauto.
  - revert rho HG. induction G as [|o G IH]; intros rho HG Hb.
    + exists []. intros x B Hx. unfold has in Hx. destruct x; discriminate.
    + destruct (IH (fun n => rho (S n))) as [g Hg].
      { intros x B Hx. apply (HG (S x)). now apply has_cons. }
      { intros x B Hx. apply (Hb (S x)). now apply has_cons. }
      assert (Ha : exists a, forall B, o = Some B -> R K B (rho 0) a).
      { destruct o as [B|].
        - destruct (Hb 0 B eq_refl) as [k [Hk E]].
          destruct (basis_related K B k (HG 0 B eq_refl) Hk) as [a Ha].
          exists a. intros B' E'. inversion E'; subst. now rewrite E.
        - exists (VB true). intros B E'. discriminate. }
      destruct Ha as [a Ha]. exists (a :: g). intros [|x] B Hx; unfold has in Hx; simpl in Hx.
      * exists a. split; [reflexivity|]. apply Ha. now inversion Hx.
      * exact (Hg x B Hx).
Qed.
