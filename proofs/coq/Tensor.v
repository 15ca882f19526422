(** Lemma 6 (the materialised tensor of an open term): a compiled map is determined by its values
    at basis vectors of the variables that are not recurrent weights, as the contraction of the
    tensor of those values with the variables' vectors; hence Corollary 3.2's first half. *)
From Coq Require Import List Arith Lia Bool QArith Qcanon.
From Cajal Require Import Vec Syntax Compile Linear.
Import ListNotations.
Open Scope nat_scope.

(** [contract K t ρ xs]: Σ over the basis tuples (j₁, …, jₘ) of the variables xs = (x₁, B₁) …
    of ρ(x₁)_{j₁} ⋯ ρ(xₘ)_{jₘ} · ⟦t⟧ρ[x₁ ↦ e_{j₁}, …]: the tensor T of SPEC §5 contracted with the
    variables' vectors. *)
Fixpoint contract (K : nat) (t : tm) (dA : nat) (rho : nat -> vec) (xs : list (nat * ty)) : vec :=
  match xs with
  | [] => compile K rho t
  | (x, B) :: xs' =>
      mkvec dA (fun b => sumf (dim K B) (fun j =>
        (at_ (rho x) j * at_ (contract K t dA (upd rho x (basis (dim K B) j)) xs') b)%Qc))
  end.

Lemma compile_upd_self K t rho x : compile K (upd rho x (rho x)) t = compile K rho t.
Proof.
  apply compile_env. intros n _. unfold upd. destruct (Nat.eqb_spec n x); subst; auto.
Qed.

Lemma compile_upd_upd K t rho x v w : compile K (upd (upd rho x w) x v) t = compile K (upd rho x v) t.
Proof.
  apply compile_env. intros n _. unfold upd. destruct (Nat.eqb_spec n x); auto.
Qed.

(** Lemma 6, for every K, type and derivation. *)
Theorem tensor_contraction K G t A : lty G t A ->
  forall xs, (forall x B, In (x, B) xs -> has G x B /\ in_step x t = false) ->
  forall rho, env_len K G rho -> compile K rho t = contract K t (dim K A) rho xs.
Proof.
  intros Ht xs. induction xs as [|[x B] xs IH]; intros Hxs rho Hr; simpl; auto.
  destruct (Hxs x B (or_introl eq_refl)) as [Hx Hs].
  assert (Hlen : forall v, length v = dim K B -> length (compile K (upd rho x v) t) = dim K A)
    by (intros; eapply length_compile; eauto; eapply env_len_upd; eauto).
  destruct (T3_linear K G t A Ht x B Hx Hs rho Hr) as [Hadd Hsc].
  rewrite <- (compile_upd_self K t rho x).
  rewrite (linear_expand (dim K B) (dim K A) (fun v => compile K (upd rho x v) t) (rho x))
    by (auto; first [apply dim_pos | apply (Hr x B Hx)]).
  apply mkvec_ext. intros b Hb. apply sumf_ext. intros j Hj. f_equal.
  rewrite (IH (fun y C H => Hxs y C (or_intror H))).
  - reflexivity.
  - eapply env_len_upd; eauto. apply length_basis.
Qed.

(** The contraction depends only on the compiled values at basis tuples of xs. *)
Lemma contract_agree K t t' dA xs : forall rho,
  NoDup (map fst xs) ->
  (forall rho', (forall x B, In (x, B) xs -> exists j, j < dim K B /\ rho' x = basis (dim K B) j) ->
     (forall y, ~ In y (map fst xs) -> rho' y = rho y) -> compile K rho' t = compile K rho' t') ->
  contract K t dA rho xs = contract K t' dA rho xs.
Proof.
  induction xs as [|[x B] xs IH]; intros rho Hnd H; simpl.
  - apply H; [intros x B []|auto].
  - inversion Hnd as [|? ? Hx Hnd']; subst.
    apply mkvec_ext. intros b Hb. apply sumf_ext. intros j Hj. f_equal. f_equal.
    apply IH; auto. intros rho' Hbasis Hsame. apply H.
    + intros y C [HyC|HyC].
      * inversion HyC; subst. exists j. split; auto.
        rewrite Hsame by auto. unfold upd. now rewrite Nat.eqb_refl.
      * auto.
    + intros y Hy. rewrite Hsame by (intros Hin; apply Hy; now right).
      unfold upd. destruct (Nat.eqb_spec y x); subst; auto. exfalso. apply Hy. now left.
Qed.

(** Corollary 3.2: two programs over the same context, linear in all of its variables, that agree
    on every tuple of basis vectors agree on every input. *)
Corollary basis_inputs_suffice K G t t' A xs :
  lty G t A -> lty G t' A -> NoDup (map fst xs) ->
  (forall x B, In (x, B) xs -> has G x B /\ in_step x t = false /\ in_step x t' = false) ->
  (forall rho, env_len K G rho ->
     (forall x B, In (x, B) xs -> exists j, j < dim K B /\ rho x = basis (dim K B) j) ->
     compile K rho t = compile K rho t') ->
  forall rho, env_len K G rho -> compile K rho t = compile K rho t'.
Proof.
  intros Ht Ht' Hnd Hxs Hagree rho Hr.
  rewrite (tensor_contraction K G t A Ht xs), (tensor_contraction K G t' A Ht' xs) by
    (auto; intros x B Hin; destruct (Hxs x B Hin) as [? [? ?]]; auto).
  apply contract_agree; auto. intros rho' Hbasis Hsame. apply Hagree; auto.
  intros y C Hy. destruct (in_dec Nat.eq_dec y (map fst xs)) as [Hin|Hout].
  - apply in_map_iff in Hin as [[y' C'] [Heq Hin]]. simpl in Heq. subst y'.
    destruct (Hxs y C' Hin) as [HyC' _]. unfold has in Hy, HyC'. rewrite Hy in HyC'.
    inversion HyC'; subst. destruct (Hbasis y _ Hin) as [j [Hj ->]]. apply length_basis.
  - rewrite Hsame by auto. now apply Hr.
Qed.
