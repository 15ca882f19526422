(** T3 (SPEC §6): a compiled map is linear in each context variable that is not a recurrent
    weight (a variable with no occurrence inside an iteration step).

    [upd ρ x v] is ρ with variable x set to v.  The theorem holds for every K, every type and every
    typing derivation, by induction on the derivation; each case is one of the linearity identities
    of the primitives proved in [Vec]. *)
From Coq Require Import List Arith Lia Bool QArith Qcanon.
From Cajal Require Import Vec Syntax Compile.
Import ListNotations.
Open Scope nat_scope.

Definition upd (rho : nat -> vec) (x : nat) (v : vec) : nat -> vec :=
  fun n => if Nat.eqb n x then v else rho n.

Lemma compile_upd_irrelevant K t rho x v :
  occurs x t = false -> compile K (upd rho x v) t = compile K rho t.
Proof.
  intros H. apply compile_env. intros n Hn. unfold upd.
  destruct (Nat.eqb_spec n x); subst; congruence.
Qed.

Lemma compile_cons_upd K t rho x v w :
  compile K (cons_env w (upd rho x v)) t = compile K (upd (cons_env w rho) (S x) v) t.
Proof. apply compile_env. intros [|n] _; reflexivity. Qed.

Lemma compile_upd_cons K t rho v w :
  compile K (upd (cons_env w rho) 0 v) t = compile K (cons_env v rho) t.
Proof. apply compile_env. intros [|n] _; reflexivity. Qed.

Lemma env_len_upd K G rho x B v :
  env_len K G rho -> has G x B -> length v = dim K B -> env_len K G (upd rho x v).
Proof.
  intros H Hx Hv y C Hy. unfold upd. destruct (Nat.eqb_spec y x); subst; auto.
  unfold has in *. rewrite Hx in Hy. inversion Hy; subst; auto.
Qed.

Lemma lam_matrix_add d (h f g : vec -> vec) dB : 0 < d ->
  (forall j, length (f (basis d j)) = dB) -> (forall j, length (g (basis d j)) = dB) ->
  (forall j, h (basis d j) = vadd (f (basis d j)) (g (basis d j))) ->
  lam_matrix d h = vadd (lam_matrix d f) (lam_matrix d g).
Proof.
  intros Hd Hf Hg Hh. unfold lam_matrix.
  rewrite (map_ext _ (fun j => vadd (f (basis d j)) (g (basis d j)))) by auto.
  apply (abstract_add d (fun j => f (basis d j)) (fun j => g (basis d j)) dB); auto.
Qed.

Lemma lam_matrix_scale d (h f : vec -> vec) dB c : 0 < d ->
  (forall j, length (f (basis d j)) = dB) ->
  (forall j, h (basis d j) = vscale c (f (basis d j))) ->
  lam_matrix d h = vscale c (lam_matrix d f).
Proof.
  intros Hd Hf Hh. unfold lam_matrix.
  rewrite (map_ext _ (fun j => vscale c (f (basis d j)))) by auto.
  apply (abstract_scale d (fun j => f (basis d j)) dB); auto.
Qed.

(** The step matrix of an [iter] does not depend on a variable that neither the base nor the
    step mentions. *)
Lemma lam_step_irrelevant K rho x a u1 d :
  occurs (S x) u1 = false ->
  lam_matrix d (fun v => compile K (cons_env v (upd rho x a)) u1) =
  lam_matrix d (fun v => compile K (cons_env v rho) u1).
Proof.
  intros H. unfold lam_matrix. f_equal. apply map_ext. intros j.
  rewrite compile_cons_upd. now apply compile_upd_irrelevant.
Qed.

Ltac envlen := first [ eassumption
  | eapply env_len_upd; [envlen | eassumption | assumption]
  | eapply env_len_split_l; [eassumption | envlen]
  | eapply env_len_split_r; [eassumption | envlen]
  | apply env_len_cons; [envlen | first [apply length_basis | assumption]] ].
Ltac lenc := eapply length_compile; [eassumption | envlen].
Ltac lenc2 := first [lenc | etransitivity; [lenc | symmetry; lenc]].

(** T3(a), for every K, type and derivation: additivity and homogeneity in each variable x of
    the context that is not a recurrent weight of t. *)
Theorem T3_linear K G t A : lty G t A ->
  forall x B, has G x B -> in_step x t = false ->
  forall rho, env_len K G rho ->
  (forall v w, length v = dim K B -> length w = dim K B ->
     compile K (upd rho x (vadd v w)) t =
     vadd (compile K (upd rho x v) t) (compile K (upd rho x w) t)) /\
  (forall c v, length v = dim K B ->
     compile K (upd rho x (vscale c v)) t = vscale c (compile K (upd rho x v) t)).
Proof.
  induction 1; intros x C Hx Hstep rho Hr; cbn [compile in_step] in *.
  - (* Var *)
    destruct (single_has _ _ _ _ _ H Hx); subst. unfold upd. rewrite Nat.eqb_refl. auto.
  - exfalso. eapply empty_hasnt; eauto.
  - exfalso. eapply empty_hasnt; eauto.
  - exfalso. eapply empty_hasnt; eauto.
  - (* Succ *)
    destruct (IHlty x C Hx Hstep rho Hr) as [Hadd Hsc]. split.
    + intros v w Hv Hw. rewrite Hadd by auto. apply shift_add.
      rewrite !(length_compile K G t TNat); auto; eapply env_len_upd; eauto.
    + intros c v Hv. rewrite Hsc by auto. apply shift_scale.
  - (* If *)
    apply orb_false_iff in Hstep as [Hstep Hs3]. apply orb_false_iff in Hstep as [Hs1 Hs2].
    destruct (split_has _ _ _ _ _ H Hx) as [[Hy1 Hy2]|[Hy1 Hy2]].
    + (* x in the condition *)
      destruct (IHlty1 x C Hy1 Hs1 rho (env_len_split_l _ _ _ _ _ H Hr)) as [Hadd Hsc].
      assert (Hu : forall a, compile K (upd rho x a) u1 = compile K rho u1 /\
                             compile K (upd rho x a) u2 = compile K rho u2).
      { intros a. split; apply compile_upd_irrelevant; eapply lty_occurs; eauto. }
      split.
      * intros v w Hv Hw. rewrite !(proj1 (Hu _)), !(proj2 (Hu _)), Hadd by auto.
        apply mix_add_c. rewrite !(length_compile K G1 c TBool); auto;
          eapply env_len_upd; eauto; eapply env_len_split_l; eauto.
      * intros k v Hv. rewrite !(proj1 (Hu _)), !(proj2 (Hu _)), Hsc by auto.
        apply mix_scale_c.
    + (* x in the branches *)
      pose proof (env_len_split_r _ _ _ _ _ H Hr) as Hr2.
      destruct (IHlty2 x C Hy2 Hs2 rho Hr2) as [Hadd2 Hsc2].
      destruct (IHlty3 x C Hy2 Hs3 rho Hr2) as [Hadd3 Hsc3].
      assert (Hc : forall a, compile K (upd rho x a) c = compile K rho c)
        by (intros; apply compile_upd_irrelevant; eapply lty_occurs; eauto).
      split.
      * intros v w Hv Hw. rewrite !Hc, Hadd2, Hadd3 by auto. apply mix_add_a; lenc2.
      * intros k v Hv. rewrite !Hc, Hsc2, Hsc3 by auto. apply mix_scale_a.
  - (* Lam *)
    assert (Hx' : has (Some A :: G) (S x) C) by now apply has_cons.
    assert (HIH : forall j, env_len K (Some A :: G) (cons_env (basis (dim K A) j) rho))
      by (intros; apply env_len_cons; auto; apply length_basis).
    split.
    + intros v w Hv Hw.
      apply (lam_matrix_add _ _ _ _ (dim K B)); [apply dim_pos| | |]; intros j;
        rewrite ?compile_cons_upd; try lenc.
      apply (IHlty (S x) C Hx' Hstep _ (HIH j)); auto.
    + intros c v Hv.
      apply (lam_matrix_scale _ _ _ (dim K B)); [apply dim_pos| |]; intros j;
        rewrite ?compile_cons_upd; try lenc.
      apply (IHlty (S x) C Hx' Hstep _ (HIH j)); auto.
  - (* App *)
    apply orb_false_iff in Hstep as [Hs1 Hs2].
    destruct (split_has _ _ _ _ _ H Hx) as [[Hy1 Hy2]|[Hy1 Hy2]].
    + destruct (IHlty1 x C Hy1 Hs1 rho (env_len_split_l _ _ _ _ _ H Hr)) as [Hadd Hsc].
      assert (Hu : forall a, compile K (upd rho x a) u = compile K rho u)
        by (intros; apply compile_upd_irrelevant; eapply lty_occurs; eauto).
      split.
      * intros v w Hv Hw. rewrite !Hu, Hadd by auto. apply apply_add_M. lenc2.
      * intros k v Hv. rewrite !Hu, Hsc by auto. apply apply_scale_M.
    + destruct (IHlty2 x C Hy2 Hs2 rho (env_len_split_r _ _ _ _ _ H Hr)) as [Hadd Hsc].
      assert (Ht : forall a, compile K (upd rho x a) t = compile K rho t)
        by (intros; apply compile_upd_irrelevant; eapply lty_occurs; eauto).
      split.
      * intros v w Hv Hw. rewrite !Ht, Hadd by auto. apply apply_add_v. lenc2.
      * intros k v Hv. rewrite !Ht, Hsc by auto. apply apply_scale_v.
  - (* Iter *)
    apply orb_false_iff in Hstep as [Hstep Hs3]. apply orb_false_iff in Hstep as [Hs1 Hs2].
    pose proof (env_len_split_r _ _ _ _ _ H Hr) as Hr'.
    destruct (split_has _ _ _ _ _ H Hx) as [[Hy1 Hy2]|[Hy1 Hy2]].
    + (* x in the count *)
      destruct (split_hasnt _ _ _ _ H0 Hy2) as [Hy3 Hy4].
      destruct (IHlty1 x C Hy1 Hs1 rho (env_len_split_l _ _ _ _ _ H Hr)) as [Hadd Hsc].
      assert (Hu : forall a, compile K (upd rho x a) u0 = compile K rho u0)
        by (intros; apply compile_upd_irrelevant; eapply lty_occurs; eauto).
      assert (Hs : forall a d, lam_matrix d (fun v => compile K (cons_env v (upd rho x a)) u1) =
                               lam_matrix d (fun v => compile K (cons_env v rho) u1))
        by (intros; apply lam_step_irrelevant; eapply lty_occurs; eauto; now apply hasnt_cons).
      split.
      * intros v w Hv Hw. rewrite !Hu, !Hs, Hadd by auto. apply recur_add_n. lenc2.
      * intros k v Hv. rewrite !Hu, !Hs, Hsc by auto. apply recur_scale_n.
    + destruct (split_has _ _ _ _ _ H0 Hy2) as [[Hy3 Hy4]|[Hy3 Hy4]].
      * (* x in the base *)
        destruct (IHlty2 x C Hy3 Hs2 rho (env_len_split_l _ _ _ _ _ H0 Hr')) as [Hadd Hsc].
        assert (Ht : forall a, compile K (upd rho x a) t = compile K rho t)
          by (intros; apply compile_upd_irrelevant; eapply lty_occurs; eauto).
        assert (Hs : forall a d, lam_matrix d (fun v => compile K (cons_env v (upd rho x a)) u1) =
                                 lam_matrix d (fun v => compile K (cons_env v rho) u1))
          by (intros; apply lam_step_irrelevant; eapply lty_occurs; eauto; now apply hasnt_cons).
        assert (Hl : forall a, length a = dim K C -> length (compile K (upd rho x a) u0) = dim K A)
          by (intros; lenc).
        assert (HS : length (lam_matrix (dim K A) (fun v => compile K (cons_env v rho) u1))
                     = dim K A * dim K A).
        { apply length_lam_matrix; [apply dim_pos|]. intros j.
          eapply length_compile; eauto. apply env_len_cons; [|apply length_basis].
          eapply env_len_split_r; eauto. }
        pose proof (dim_pos K A).
        split.
        -- intros v w Hv Hw. rewrite !Ht, !Hs, !Hl, Hadd by (auto; now rewrite length_vadd, Hv).
           apply recur_add_h; rewrite ?Hl; auto.
        -- intros k v Hv. rewrite !Ht, !Hs, !Hl, Hsc by (auto; now rewrite length_vscale, Hv).
           apply recur_scale_h.
      * (* x in the step: then x is a recurrent weight, excluded *)
        exfalso. rewrite (proj2 (lty_occurs _ _ _ H3) (S x) C) in Hs3; [discriminate|].
        now apply has_cons.
Qed.

(** * Strict mode (SPEC §3): no iteration step uses an outer variable *)

(** Whether t has a free variable with index ≥ k. *)
Fixpoint fv_ge (k : nat) (t : tm) : bool :=
  match t with
  | Var n => Nat.leb k n
  | Tru | Fls | Zero => false
  | If c u1 u2 => fv_ge k c || fv_ge k u1 || fv_ge k u2
  | Succ t => fv_ge k t
  | Lam _ t => fv_ge (S k) t
  | App t u => fv_ge k t || fv_ge k u
  | Iter t u0 u1 => fv_ge k t || fv_ge k u0 || fv_ge (S k) u1
  end.

(** Strict mode: every step mentions no variable but its own (Θ = · in rule Iter). *)
Fixpoint strict (t : tm) : bool :=
  match t with
  | Var _ | Tru | Fls | Zero => true
  | If c u1 u2 => strict c && strict u1 && strict u2
  | Succ t => strict t
  | Lam _ t => strict t
  | App t u => strict t && strict u
  | Iter t u0 u1 => strict t && strict u0 && strict u1 && negb (fv_ge 1 u1)
  end.

Lemma fv_ge_occurs t : forall k x, fv_ge k t = false -> occurs (k + x) t = false.
Proof.
  induction t; intros k x H; simpl in *; rewrite ?orb_false_iff in *; intuition auto.
  - apply Nat.eqb_neq. apply Nat.leb_gt in H. lia.
  - apply (IHt (S k) x H).
  - apply (IHt3 (S k) x); auto.
Qed.

Lemma strict_no_weights t : strict t = true -> forall x, in_step x t = false.
Proof.
  induction t; intros H x; simpl in *; rewrite ?andb_true_iff in H; rewrite ?orb_false_iff;
    intuition auto.
  - apply (fv_ge_occurs t3 1 x). now apply negb_true_iff.
Qed.

(** Corollary 3.1: in strict mode the compiled map is linear in every variable of the context. *)
Corollary T3_strict K G t A : lty G t A -> strict t = true ->
  forall x B, has G x B -> forall rho, env_len K G rho ->
  (forall v w, length v = dim K B -> length w = dim K B ->
     compile K (upd rho x (vadd v w)) t =
     vadd (compile K (upd rho x v) t) (compile K (upd rho x w) t)) /\
  (forall c v, length v = dim K B ->
     compile K (upd rho x (vscale c v)) t = vscale c (compile K (upd rho x v) t)).
Proof.
  intros Ht Hs x B Hx rho Hr. apply (T3_linear K G t A Ht x B Hx); auto.
  now apply strict_no_weights.
Qed.
