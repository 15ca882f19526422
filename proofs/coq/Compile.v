(** The vector semantics of SPEC §5 as a compiler, built only from the primitives of [Vec]
    (the same list as the Python compiler: basis vectors, shift, mix, apply, abstract, recurrent
    sum).  [compile K ρ t] is ⟦t⟧ρ at the Nat bound K, for an environment ρ of vectors indexed
    by de Bruijn index. *)
From Coq Require Import List Arith Lia.
From Cajal Require Import Vec Syntax.
Import ListNotations.

Definition cons_env (v : vec) (rho : nat -> vec) : nat -> vec :=
  fun n => match n with O => v | S m => rho m end.

(** The matrix of a [fun]: column j is the body compiled with the parameter at e_j. *)
Definition lam_matrix (d : nat) (body : vec -> vec) : vec :=
  abstract d (map (fun j => body (basis d j)) (seq 0 d)).

Fixpoint compile (K : nat) (rho : nat -> vec) (t : tm) : vec :=
  match t with
  | Var n => rho n
  | Tru => basis 2 0
  | Fls => basis 2 1
  | If c u1 u2 => mix (compile K rho c) (compile K rho u1) (compile K rho u2)
  | Zero => basis (S K) 0
  | Succ t => shift (compile K rho t)
  | Lam A t => lam_matrix (dim K A) (fun v => compile K (cons_env v rho) t)
  | App t u => apply (compile K rho t) (compile K rho u)
  | Iter t u0 u1 =>
      let b := compile K rho u0 in
      recur (compile K rho t) (lam_matrix (length b) (fun v => compile K (cons_env v rho) u1)) b
  end.

(** A closed program compiles in the empty environment. *)
Definition compile_closed (K : nat) (t : tm) : vec := compile K (fun _ => []) t.

(** The compiled value depends only on the free variables of the term. *)
Lemma compile_env K t : forall rho rho',
  (forall n, occurs n t = true -> rho n = rho' n) -> compile K rho t = compile K rho' t.
Proof.
  induction t; intros rho rho' H; simpl in *;
    try (f_equal; solve [auto]);
    try (assert (Hx : forall P Q R : Prop, P -> (P \/ Q) \/ R) by tauto);
    repeat match goal with
    | IH : forall r r', (forall n, occurs n ?s = true -> _) -> compile K r ?s = compile K r' ?s |- _ =>
        rewrite (IH rho rho') by (intros n Hn; apply H; rewrite ?Bool.orb_true_iff; tauto); clear IH
    end; try reflexivity.
  - apply H. apply Nat.eqb_refl.
  - unfold lam_matrix. f_equal. apply map_ext. intros j. apply IHt.
    intros [|n] Hn; simpl; auto.
  - unfold lam_matrix. do 2 f_equal.
    apply map_ext. intros j. apply IHt3. intros [|n] Hn; simpl; auto.
    apply H. rewrite !Bool.orb_true_iff; tauto.
Qed.

Definition env_len (K : nat) (G : lctx) (rho : nat -> vec) : Prop :=
  forall x B, has G x B -> length (rho x) = dim K B.

Lemma env_len_cons K G A rho v :
  env_len K G rho -> length v = dim K A -> env_len K (Some A :: G) (cons_env v rho).
Proof.
  intros H Hv [|x] B Hx; unfold has in Hx; simpl in *.
  - inversion Hx; subst; auto.
  - now apply H.
Qed.

Lemma env_len_split_l K G G1 G2 rho : split G G1 G2 -> env_len K G rho -> env_len K G1 rho.
Proof. intros Hs H x B Hx. apply H. eapply split_has_l; eauto. Qed.

Lemma env_len_split_r K G G1 G2 rho : split G G1 G2 -> env_len K G rho -> env_len K G2 rho.
Proof. intros Hs H x B Hx. apply H. eapply split_has_r; eauto. Qed.

Lemma length_lam_matrix d body dB : 0 < d -> (forall j, length (body (basis d j)) = dB) ->
  length (lam_matrix d body) = dB * d.
Proof. intros Hd H. unfold lam_matrix. now apply length_abstract. Qed.

(** Compiled values have the dimension of their type. *)
Lemma length_compile K G t A : lty G t A ->
  forall rho, env_len K G rho -> length (compile K rho t) = dim K A.
Proof.
  induction 1; intros rho Hr; cbn [compile].
  - apply Hr. eapply single_has_self; eauto.
  - apply length_basis.
  - apply length_basis.
  - apply length_basis.
  - rewrite length_shift. auto.
  - rewrite length_mix. eapply IHlty2, env_len_split_r; eauto.
  - apply length_lam_matrix; [apply dim_pos|]. intros j.
    apply IHlty, env_len_cons; auto. apply length_basis.
  - rewrite length_apply. rewrite (IHlty1 rho), (IHlty2 rho).
    2: eapply env_len_split_r; eauto.
    2: eapply env_len_split_l; eauto.
    simpl. apply Nat.div_mul. pose proof (dim_pos K A). lia.
  - rewrite length_recur. eapply IHlty2. eapply env_len_split_l; [eauto|].
    eapply env_len_split_r; eauto.
Qed.
