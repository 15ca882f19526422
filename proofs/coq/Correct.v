(** T2 (SPEC §6): the bounded logical relation between compiled vectors and direct values, and its
    corollary compile_K(t) = enc(⟦t⟧) for closed ground programs whose evaluation has peak ≤ K. *)
From Coq Require Import List Arith Lia Bool QArith Qcanon.
From Cajal Require Import Vec Syntax Compile Direct Linear.
Import ListNotations.
Open Scope nat_scope.

(** enc of SPEC §5: booleans and numbers as basis vectors (index 0 is true). *)
Definition enc (K : nat) (v : val) : vec :=
  match v with
  | VB b => basis 2 (if b then 0 else 1)
  | VN n => basis (S K) n
  | VC _ _ _ => []
  | VO v => v
  end.

(** R_A(v, a) of SPEC §6: at ground type v = enc(a) (so a ≤ K for Nat); at an opaque type v = a
    (metatheory §6.1); at A ⊸ B, related
    arguments go to related results, for every application whose evaluation has peak ≤ K. *)
Fixpoint R (K : nat) (A : ty) (v : vec) (a : val) : Prop :=
  match A, a with
  | TBool, VB b => v = enc K (VB b)
  | TNat, VN n => n <= K /\ v = enc K (VN n)
  | TOpq d, VO a => length v = S d /\ v = a
  | TArr A B, VC g _ body =>
      length v = dim K (TArr A B) /\
      forall w a' b p, R K A w a' -> ev (a' :: g) body b p -> p <= K -> R K B (apply v w) b
  | _, _ => False
  end.

Lemma R_length K A v a : R K A v a -> length v = dim K A.
Proof.
  destruct A, a; simpl; try contradiction; intros H.
  - subst. apply length_basis.
  - destruct H as [_ ->]. apply length_basis.
  - tauto.
  - tauto.
Qed.

(** A related value of ground type is a basis vector. *)
Lemma R_ground_basis K A w a : ground A -> R K A w a -> exists k, k < dim K A /\ w = basis (dim K A) k.
Proof.
  destruct A, a; simpl; try contradiction; intros _ H.
  - subst. exists (if b then 0 else 1). split; [destruct b; simpl; lia|reflexivity].
  - destruct H as [Hn ->]. exists n. split; [lia|reflexivity].
Qed.

Definition Renv (K : nat) (G : lctx) (rho : nat -> vec) (g : list val) : Prop :=
  forall x B, has G x B -> exists a, nth_error g x = Some a /\ R K B (rho x) a.

Lemma Renv_len K G rho g : Renv K G rho g -> env_len K G rho.
Proof. intros H x B Hx. destruct (H x B Hx) as [a [_ Ha]]. eapply R_length; eauto. Qed.

Lemma Renv_cons K G rho g A w a : Renv K G rho g -> R K A w a ->
  Renv K (Some A :: G) (cons_env w rho) (a :: g).
Proof.
  intros H Ha [|x] B Hx; unfold has in Hx; simpl in *.
  - inversion Hx; subst. eauto.
  - now apply H.
Qed.

Lemma Renv_split_l K G G1 G2 rho g : split G G1 G2 -> Renv K G rho g -> Renv K G1 rho g.
Proof. intros Hs H x B Hx. apply H. eapply split_has_l; eauto. Qed.

Lemma Renv_split_r K G G1 G2 rho g : split G G1 G2 -> Renv K G rho g -> Renv K G2 rho g.
Proof. intros Hs H x B Hx. apply H. eapply split_has_r; eauto. Qed.

(** Applying the matrix of a [fun] to an argument computes the body at that argument: by T3 when
    the parameter is not a recurrent weight (the matrix is the body's linear map), and because the
    argument is a basis vector when it is one (the parameter is then Bool or Nat, §3). *)
Lemma apply_lam_matrix K G A B t rho w a :
  lty (Some A :: G) t B -> (in_step 0 t = true -> ground A) ->
  env_len K G rho -> R K A w a ->
  apply (lam_matrix (dim K A) (fun v => compile K (cons_env v rho) t)) w =
  compile K (cons_env w rho) t.
Proof.
  intros Ht Hside Hr Hw. pose proof (dim_pos K A) as Hd.
  assert (Hcol : forall v, length v = dim K A -> length (compile K (cons_env v rho) t) = dim K B)
    by (intros; eapply length_compile; eauto; apply env_len_cons; auto).
  destruct (in_step 0 t) eqn:Hs.
  - destruct (R_ground_basis K A w a (Hside eq_refl) Hw) as [k [Hk ->]].
    unfold lam_matrix.
    apply (apply_abstract_basis _ (fun j => compile K (cons_env (basis (dim K A) j) rho) t) (dim K B)); auto.
    intros j. apply Hcol, length_basis.
  - unfold lam_matrix.
    rewrite (apply_abstract _ (fun j => compile K (cons_env (basis (dim K A) j) rho) t) (dim K B)) by
      (auto; try (intros; apply Hcol, length_basis); eapply R_length; eauto).
    symmetry. apply (linear_expand (dim K A) (dim K B) (fun v => compile K (cons_env v rho) t)).
    + exact Hcol.
    + intros v v' Hv Hv'.
      destruct (T3_linear K _ _ _ Ht 0 A eq_refl Hs (cons_env v rho)) as [Hadd _].
      { apply env_len_cons; auto. }
      rewrite <- !(compile_upd_cons K t rho _ v). apply Hadd; auto.
    + intros c v Hv.
      destruct (T3_linear K _ _ _ Ht 0 A eq_refl Hs (cons_env v rho)) as [_ Hsc].
      { apply env_len_cons; auto. }
      rewrite <- !(compile_upd_cons K t rho _ v). apply Hsc; auto.
    + exact Hd.
    + eapply R_length; eauto.
Qed.

(** T2, for every K, every type and every typing derivation: related environments give related
    results, whenever the direct evaluation has peak ≤ K. *)
Theorem T2_relation K G t A : lty G t A ->
  forall rho g v p, Renv K G rho g -> ev g t v p -> p <= K -> R K A (compile K rho t) v.
Proof.
  induction 1; intros rho g v p Hr Hev Hp; cbn [compile].
  - (* Var *)
    inversion Hev; subst. destruct (Hr n A) as [a [Ha HR]]; [eapply single_has_self; eauto|].
    congruence.
  - inversion Hev; subst. reflexivity.
  - inversion Hev; subst. reflexivity.
  - inversion Hev; subst. simpl. split; [lia|reflexivity].
  - (* Succ *)
    inversion Hev; subst.
    match goal with Hs : ev g t (VN ?m) ?p0 |- _ =>
      destruct (IHlty rho g (VN m) p0 Hr Hs ltac:(lia)) as [Hm ->] end.
    simpl. split; [lia|]. apply shift_basis.
  - (* If *)
    pose proof (Renv_split_l _ _ _ _ _ _ H Hr) as Hr1.
    pose proof (Renv_split_r _ _ _ _ _ _ H Hr) as Hr2.
    inversion Hev; subst.
    + match goal with Hs : ev g c (VB true) ?p0 |- _ =>
        rewrite (IHlty1 rho g (VB true) p0 Hr1 Hs ltac:(lia)) end. simpl. rewrite mix_true.
      eapply IHlty2; eauto; lia.
    + match goal with Hs : ev g c (VB false) ?p0 |- _ =>
        rewrite (IHlty1 rho g (VB false) p0 Hr1 Hs ltac:(lia)) end. simpl. rewrite mix_false.
      * eapply IHlty3; eauto; lia.
      * rewrite !(length_compile K G2 _ A); auto; eapply Renv_len; eauto.
  - (* Lam *)
    inversion Hev; subst. simpl. split.
    + apply length_lam_matrix; [apply dim_pos|]. intros j.
      eapply length_compile; eauto. apply env_len_cons; [eapply Renv_len; eauto|apply length_basis].
    + intros w a' b q Hw Hb Hq.
      rewrite (apply_lam_matrix K G A B t rho w a'); auto; [|eapply Renv_len; eauto].
      eapply IHlty; eauto. now apply Renv_cons.
  - (* App *)
    inversion Hev; subst.
    match goal with Hs : ev g t (VC ?d ?A0 ?body) ?p0 |- _ =>
      destruct (IHlty1 rho g (VC d A0 body) p0 (Renv_split_l _ _ _ _ _ _ H Hr) Hs ltac:(lia))
        as [_ Hf] end.
    apply (Hf _ a _ r); auto; [|lia].
    eapply IHlty2; eauto; [eapply Renv_split_r; eauto|lia].
  - (* Iter *)
    pose proof (Renv_split_r _ _ _ _ _ _ H Hr) as Hr'.
    pose proof (Renv_split_l _ _ _ _ _ _ H0 Hr') as Hr2.
    pose proof (Renv_split_r _ _ _ _ _ _ H0 Hr') as Hr3.
    inversion Hev; subst.
    match goal with Hs : ev g t (VN ?n) ?p0 |- _ =>
      destruct (IHlty1 rho g (VN n) p0 (Renv_split_l _ _ _ _ _ _ H Hr) Hs ltac:(lia))
        as [Hn Hcount] end.
    rewrite Hcount.
    set (b := compile K rho u0).
    assert (Hb : R K A b a0) by (eapply IHlty2; eauto; lia).
    assert (Hlb : length b = dim K A) by (eapply R_length; eauto).
    rewrite Hlb.
    set (S := lam_matrix (dim K A) (fun v => compile K (cons_env v rho) u1)).
    assert (HS : length S = dim K A * dim K A).
    { apply length_lam_matrix; [apply dim_pos|]. intros j. eapply length_compile; eauto.
      apply env_len_cons; [eapply Renv_len; eauto|apply length_basis]. }
    assert (Hstates : forall g' u' m a a' r, iter_ev g' u' m a a' r -> g' = g -> u' = u1 ->
              a = a0 -> r <= K -> R K A (pow m S b) a').
    { induction 1; intros -> -> -> Hr0; simpl; auto.
      unfold S at 1. rewrite (apply_lam_matrix K G3 A A u1 rho (pow n0 S b) a'); auto.
      2: eapply Renv_len; eauto.
      2: apply IHiter_ev; auto; lia.
      eapply IHlty3; eauto; [|lia]. apply Renv_cons; auto. apply IHiter_ev; auto. lia. }
    unfold enc. rewrite recur_basis_pow; [| lia | rewrite Hlb; apply dim_pos | rewrite Hlb; exact HS].
    eapply Hstates; eauto. lia.
Qed.

(** The corollary of SPEC §6: a closed program of ground type whose evaluation has peak ≤ K
    compiles, at K, to the encoding of its value. *)
Corollary T2_closed_ground K t A v p :
  lty [] t A -> ground A -> ev [] t v p -> p <= K -> compile_closed K t = enc K v.
Proof.
  intros Ht HA Hev Hp.
  assert (HR : R K A (compile_closed K t) v).
  { eapply T2_relation; eauto. intros x B Hx. unfold has in Hx. destruct x; discriminate. }
  destruct A; simpl in HA; try contradiction; destruct v; simpl in HR; try contradiction.
  - exact HR.
  - now destruct HR.
Qed.

(** Closed programs of any type: the compiled value is related to the value. *)
Corollary T2_closed K t A v p :
  lty [] t A -> ev [] t v p -> p <= K -> R K A (compile_closed K t) v.
Proof.
  intros Ht Hev Hp. eapply T2_relation; eauto.
  intros x B Hx. unfold has in Hx. destruct x; discriminate.
Qed.
