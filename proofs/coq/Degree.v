(** T3(b), the degree bound (SPEC §6): in each variable x, a compiled map is a polynomial whose
    degree is at most [degb K x t], and [degb K x t ≤ K ^ step_depth x t] when K ≥ 1.

    "Polynomial of degree ≤ D" is [pdeg n D f]: on vectors v of length n, f v is the value of a
    polynomial of total degree ≤ D in the entries of v with rational coefficients; a derivation of
    [pdeg] is that polynomial's syntax tree (constants, coordinates, +, ·).  A vector-valued map
    has degree ≤ D when each entry does ([vdeg]).  The other variables of the context are fixed.

    At K = 0 SPEC's bound K^d is false for a variable used both outside and inside a step (in the
    two branches of an [if]): [spec_bound_false_at_K0] is a counterexample, and [degb_K0] the
    corrected bound, 1. *)
From Coq Require Import List Arith Lia Bool QArith Qcanon.
From Cajal Require Import Vec Syntax Compile Linear Decide.
Import ListNotations.
Open Scope nat_scope.

Inductive pdeg (n : nat) : nat -> (vec -> Qc) -> Prop :=
| pd_const D c : pdeg n D (fun _ => c)
| pd_coord D i : 1 <= D -> pdeg n D (fun v => at_ v i)
| pd_add D f g : pdeg n D f -> pdeg n D g -> pdeg n D (fun v => (f v + g v)%Qc)
| pd_mul D1 D2 f g : pdeg n D1 f -> pdeg n D2 g -> pdeg n (D1 + D2) (fun v => (f v * g v)%Qc)
| pd_ext D f g : (forall v, length v = n -> f v = g v) -> pdeg n D f -> pdeg n D g.

(** The definition is not vacuous: degree 0 means constant on vectors of length n. *)
Lemma pdeg_zero_const n D f : pdeg n D f -> D = 0 ->
  forall v w, length v = n -> length w = n -> f v = f w.
Proof.
  induction 1; intros HD v w Hv Hw; auto; try lia.
  - now rewrite (IHpdeg1 HD v w), (IHpdeg2 HD v w).
  - now rewrite (IHpdeg1 ltac:(lia) v w), (IHpdeg2 ltac:(lia) v w).
  - rewrite <- !H by auto. auto.
Qed.

Lemma pdeg_on n D f g : pdeg n D f -> (forall v, length v = n -> g v = f v) -> pdeg n D g.
Proof. intros Hf H. apply (pd_ext n D f); auto. intros v Hv. now rewrite H. Qed.

Lemma pdeg_weaken n D f : pdeg n D f -> forall D', D <= D' -> pdeg n D' f.
Proof.
  induction 1; intros D' HD.
  - apply pd_const.
  - apply pd_coord. lia.
  - apply pd_add; auto.
  - replace D' with (D1 + (D' - D1)) by lia. apply pd_mul; auto. apply IHpdeg2. lia.
  - apply (pd_ext n D' f); auto.
Qed.

Lemma pdeg_sumf n D N (f : nat -> vec -> Qc) :
  (forall k, k < N -> pdeg n D (f k)) -> pdeg n D (fun v => sumf N (fun k => f k v)).
Proof.
  induction N; intros H; simpl.
  - apply pd_const.
  - apply (pd_add n D (fun v => sumf N (fun k => f k v)) (f N)); auto.
Qed.

(** * Vector-valued maps *)

Definition vdeg (n D : nat) (F : vec -> vec) : Prop := forall i, pdeg n D (fun v => at_ (F v) i).
Definition vlen (n m : nat) (F : vec -> vec) : Prop := forall v, length v = n -> length (F v) = m.

Lemma vdeg_ext n D F G : (forall v, length v = n -> G v = F v) -> vdeg n D F -> vdeg n D G.
Proof. intros H HF i. apply (pdeg_on n D _ _ (HF i)). intros v Hv. now rewrite H. Qed.

Lemma vdeg_weaken n D D' F : D <= D' -> vdeg n D F -> vdeg n D' F.
Proof. intros H HF i. eapply pdeg_weaken; eauto. Qed.

Lemma vdeg_const n D w : vdeg n D (fun _ => w).
Proof. intros i. apply pd_const. Qed.

Lemma vdeg_id n : vdeg n 1 (fun v => v).
Proof. intros i. now apply pd_coord. Qed.

Ltac zero_entry := apply (pdeg_on _ _ (fun _ => 0%Qc)); [apply pd_const|].

Lemma vdeg_shift n m D F : vlen n m F -> vdeg n D F -> vdeg n D (fun v => shift (F v)).
Proof.
  intros Hl HF i. unfold shift. destruct (Nat.lt_ge_cases i m) as [Hi|Hi].
  - destruct i as [|j].
    + zero_entry. intros v Hv. rewrite at_mkvec by (rewrite Hl; auto). reflexivity.
    + apply (pdeg_on _ _ _ _ (HF j)). intros v Hv. rewrite at_mkvec by (rewrite Hl; auto).
      reflexivity.
  - zero_entry. intros v Hv. rewrite at_mkvec_out by (rewrite Hl; auto). reflexivity.
Qed.

Lemma vdeg_mix n m Dc Da C A1 A2 : vlen n m A1 ->
  vdeg n Dc C -> vdeg n Da A1 -> vdeg n Da A2 ->
  vdeg n (Dc + Da) (fun v => mix (C v) (A1 v) (A2 v)).
Proof.
  intros Hl HC H1 H2 i. unfold mix. destruct (Nat.lt_ge_cases i m) as [Hi|Hi].
  - apply (pdeg_on _ _ (fun v => (at_ (C v) 0 * at_ (A1 v) i + at_ (C v) 1 * at_ (A2 v) i)%Qc)).
    + apply (pd_add _ _ (fun v => at_ (C v) 0 * at_ (A1 v) i)%Qc
               (fun v => at_ (C v) 1 * at_ (A2 v) i)%Qc).
      * apply (pd_mul _ Dc Da (fun v => at_ (C v) 0) (fun v => at_ (A1 v) i)); auto.
      * apply (pd_mul _ Dc Da (fun v => at_ (C v) 1) (fun v => at_ (A2 v) i)); auto.
    + intros v Hv. rewrite at_mkvec by (rewrite Hl; auto). reflexivity.
  - zero_entry. intros v Hv. rewrite at_mkvec_out by (rewrite Hl; auto). reflexivity.
Qed.

Lemma vdeg_apply n m k DM DV M V : vlen n m M -> vlen n k V ->
  vdeg n DM M -> vdeg n DV V -> vdeg n (DM + DV) (fun v => apply (M v) (V v)).
Proof.
  intros HlM HlV HM HV b. unfold apply. destruct (Nat.lt_ge_cases b (m / k)) as [Hb|Hb].
  - apply (pdeg_on _ _ (fun v => sumf k (fun a => at_ (M v) (b * k + a) * at_ (V v) a)%Qc)).
    + apply (pdeg_sumf n (DM + DV) k (fun a v => at_ (M v) (b * k + a) * at_ (V v) a)%Qc).
      intros a Ha. apply (pd_mul _ DM DV (fun v => at_ (M v) _) (fun v => at_ (V v) a)); auto.
    + intros v Hv. rewrite at_mkvec by (rewrite (HlM v Hv), (HlV v Hv); auto).
      now rewrite (HlV v Hv).
  - zero_entry. intros v Hv. rewrite at_mkvec_out by (rewrite (HlM v Hv), (HlV v Hv); auto).
    reflexivity.
Qed.

(** The matrix of a [fun]: each entry is an entry of one column. *)
Lemma vdeg_lam_matrix n d dB D (body : vec -> vec -> vec) : 0 < d ->
  (forall j, vlen n dB (fun v => body v (basis d j))) ->
  (forall j, vdeg n D (fun v => body v (basis d j))) ->
  vdeg n D (fun v => lam_matrix d (body v)).
Proof.
  intros Hd Hl HD i. unfold lam_matrix, abstract.
  destruct (Nat.lt_ge_cases i (dB * d)) as [Hi|Hi].
  - apply (pdeg_on _ _ _ _ (HD (i mod d) (i / d))). intros v Hv.
    rewrite hd_map_seq, Hl by auto. rewrite at_mkvec by auto.
    rewrite nth_map_seq; auto. apply Nat.mod_upper_bound. lia.
  - zero_entry. intros v Hv. rewrite hd_map_seq, Hl by auto. rewrite at_mkvec_out by auto.
    reflexivity.
Qed.

Lemma vdeg_pow n m DS DH St H : 0 < m -> vlen n (m * m) St -> vlen n m H ->
  vdeg n DS St -> vdeg n DH H -> forall i, vdeg n (i * DS + DH) (fun v => pow i (St v) (H v)).
Proof.
  intros Hm HlS HlH HS HH i. induction i; simpl; auto.
  replace (DS + i * DS + DH) with (DS + (i * DS + DH)) by lia.
  apply (vdeg_apply n (m * m) m); auto.
  intros v Hv. rewrite length_pow; rewrite (HlH v Hv); auto.
Qed.

(** The recurrent sum Σ_{i ≤ K} n_i S^i h: degree ≤ K in the step matrix. *)
Lemma vdeg_recur n K m DN DS DH N St H : 0 < m ->
  vlen n (S K) N -> vlen n (m * m) St -> vlen n m H ->
  vdeg n DN N -> vdeg n DS St -> vdeg n DH H ->
  vdeg n (DN + K * DS + DH) (fun v => recur (N v) (St v) (H v)).
Proof.
  intros Hm HlN HlS HlH HN HS HH r. destruct (Nat.lt_ge_cases r m) as [Hr|Hr].
  - apply (pdeg_on _ _
      (fun v => sumf (S K) (fun i => at_ (N v) i * at_ (pow i (St v) (H v)) r)%Qc)).
    + apply (pdeg_sumf n _ (S K) (fun i v => at_ (N v) i * at_ (pow i (St v) (H v)) r)%Qc).
      intros i Hi. replace (DN + K * DS + DH) with (DN + (K * DS + DH)) by lia.
      apply (pd_mul _ DN _ (fun v => at_ (N v) i) (fun v => at_ (pow i (St v) (H v)) r)); auto.
      apply (pdeg_weaken _ (i * DS + DH)); [apply (vdeg_pow n m); auto|nia].
    + intros v Hv. rewrite at_recur by (rewrite HlH; auto). now rewrite HlN.
  - zero_entry. intros v Hv. unfold recur. rewrite at_mkvec_out by (rewrite HlH; auto).
    reflexivity.
Qed.

(** * The bound, and T3(b) *)

(** [degb K x t]: the degree bound in x, one clause per primitive (mix: c · a, apply: M · v,
    recur: n · S^K · h). *)
Fixpoint degb (K x : nat) (t : tm) : nat :=
  match t with
  | Var n => if Nat.eqb n x then 1 else 0
  | Tru | Fls | Zero => 0
  | If c u1 u2 => degb K x c + Nat.max (degb K x u1) (degb K x u2)
  | Succ t => degb K x t
  | Lam _ t => degb K (S x) t
  | App t u => degb K x t + degb K x u
  | Iter t u0 u1 => degb K x t + K * degb K (S x) u1 + degb K x u0
  end.

(** The step depth d(x, t) of metatheory §1.2: the largest number of iteration steps around an
    occurrence of x (0 if x does not occur). *)
Fixpoint step_depth (x : nat) (t : tm) : nat :=
  match t with
  | Var _ | Tru | Fls | Zero => 0
  | If c u1 u2 => Nat.max (step_depth x c) (Nat.max (step_depth x u1) (step_depth x u2))
  | Succ t => step_depth x t
  | Lam _ t => step_depth (S x) t
  | App t u => Nat.max (step_depth x t) (step_depth x u)
  | Iter t u0 u1 =>
      Nat.max (step_depth x t)
        (Nat.max (step_depth x u0) (if occurs (S x) u1 then S (step_depth (S x) u1) else 0))
  end.

Definition xdim (K : nat) (G : lctx) (x n : nat) : Prop := forall B, has G x B -> n = dim K B.

Lemma xdim_split_l K G G1 G2 x n : split G G1 G2 -> xdim K G x n -> xdim K G1 x n.
Proof. intros Hs H B HB. apply H. eapply split_has_l; eauto. Qed.

Lemma xdim_split_r K G G1 G2 x n : split G G1 G2 -> xdim K G x n -> xdim K G2 x n.
Proof. intros Hs H B HB. apply H. eapply split_has_r; eauto. Qed.

Lemma xdim_cons K G A x n : xdim K G x n -> xdim K (Some A :: G) (S x) n.
Proof. intros H B HB. apply H. now apply has_cons in HB. Qed.

Lemma env_len_upd_x K G rho x n v :
  env_len K G rho -> xdim K G x n -> length v = n -> env_len K G (upd rho x v).
Proof.
  intros H Hx Hv y B Hy. unfold upd. destruct (Nat.eqb_spec y x); auto.
  subst. now rewrite (Hx B Hy).
Qed.

Lemma vlen_compile K G t A x n rho : lty G t A -> env_len K G rho -> xdim K G x n ->
  vlen n (dim K A) (fun v => compile K (upd rho x v) t).
Proof.
  intros Ht Hr Hx v Hv. eapply length_compile; eauto. eapply env_len_upd_x; eauto.
Qed.

(** T3(b), for every K, type and derivation: in each variable x (of dimension n; any x, with or
    without an occurrence), every entry of the compiled map is a polynomial of degree
    ≤ [degb K x t] in the entries of x's vector. *)
Theorem T3_degree K G t A : lty G t A ->
  forall x n rho, xdim K G x n -> env_len K G rho ->
  vdeg n (degb K x t) (fun v => compile K (upd rho x v) t).
Proof.
  induction 1; intros x nx rho Hx Hr; cbn [compile degb].
  - (* Var *)
    unfold upd. destruct (Nat.eqb_spec n x); [apply vdeg_id|apply vdeg_const].
  - apply vdeg_const.
  - apply vdeg_const.
  - apply vdeg_const.
  - (* Succ *)
    apply (vdeg_shift _ (dim K TNat)); [eapply vlen_compile|apply IHlty]; eauto.
  - (* If: degree of the condition plus that of the branches *)
    pose proof (xdim_split_l _ _ _ _ _ _ H Hx). pose proof (xdim_split_r _ _ _ _ _ _ H Hx).
    pose proof (env_len_split_l _ _ _ _ _ H Hr). pose proof (env_len_split_r _ _ _ _ _ H Hr).
    apply (vdeg_mix _ (dim K A)); [eapply vlen_compile; eauto|auto| |];
      eapply vdeg_weaken; [|apply IHlty2; auto| |apply IHlty3; auto]; lia.
  - (* Lam: each column is the body at a basis vector *)
    apply (vdeg_lam_matrix _ _ (dim K B)); [apply dim_pos| |]; intros j.
    + intros v Hv. rewrite compile_cons_upd. eapply length_compile; eauto.
      eapply env_len_upd_x; [|apply xdim_cons; eauto|eauto].
      apply env_len_cons; auto. apply length_basis.
    + eapply vdeg_ext; [intros v Hv; apply compile_cons_upd|].
      apply IHlty; [now apply xdim_cons|]. apply env_len_cons; auto. apply length_basis.
  - (* App *)
    pose proof (xdim_split_l _ _ _ _ _ _ H Hx). pose proof (xdim_split_r _ _ _ _ _ _ H Hx).
    pose proof (env_len_split_l _ _ _ _ _ H Hr). pose proof (env_len_split_r _ _ _ _ _ H Hr).
    apply (vdeg_apply _ (dim K (TArr A B)) (dim K A)); auto; eapply vlen_compile; eauto.
  - (* Iter: degree K in the step matrix *)
    pose proof (xdim_split_l _ _ _ _ _ _ H Hx) as Hx1. pose proof (xdim_split_r _ _ _ _ _ _ H Hx).
    pose proof (xdim_split_l _ _ _ _ _ _ H0 ltac:(eassumption)) as Hx2.
    pose proof (xdim_split_r _ _ _ _ _ _ H0 ltac:(eassumption)) as Hx3.
    pose proof (env_len_split_l _ _ _ _ _ H Hr) as Hr1. pose proof (env_len_split_r _ _ _ _ _ H Hr).
    pose proof (env_len_split_l _ _ _ _ _ H0 ltac:(eassumption)) as Hr2.
    pose proof (env_len_split_r _ _ _ _ _ H0 ltac:(eassumption)) as Hr3.
    pose proof (dim_pos K A) as HdA.
    set (St := fun v => lam_matrix (dim K A) (fun w => compile K (cons_env w (upd rho x v)) u1)).
    assert (Hcol : forall j, vlen nx (dim K A)
                     (fun v => compile K (cons_env (basis (dim K A) j) (upd rho x v)) u1)).
    { intros j v Hv. rewrite compile_cons_upd. eapply length_compile; eauto.
      eapply env_len_upd_x; [|apply xdim_cons; eauto|eauto].
      apply env_len_cons; auto. apply length_basis. }
    apply (vdeg_ext _ _ (fun v => recur (compile K (upd rho x v) t) (St v)
                                         (compile K (upd rho x v) u0))).
    { intros v Hv. unfold St. cbv zeta. f_equal. f_equal. eapply length_compile; eauto.
      eapply env_len_upd_x; eauto. }
    apply (vdeg_recur _ K (dim K A)); auto.
    + exact (vlen_compile K G1 t TNat x nx rho H1 Hr1 Hx1).
    + intros v Hv. apply length_lam_matrix; auto. intros j. apply Hcol; auto.
    + eapply vlen_compile; eauto.
    + apply (vdeg_lam_matrix _ _ (dim K A)); auto. intros j.
      eapply vdeg_ext; [intros v Hv; apply compile_cons_upd|].
      apply IHlty3; [now apply xdim_cons|]. apply env_len_cons; auto. apply length_basis.
Qed.

(** * The bound in terms of the step depth *)

Lemma degb_not_occurs K t : forall x, occurs x t = false -> degb K x t = 0.
Proof.
  induction t; intros x H; simpl in *; rewrite ?orb_false_iff in H; intuition auto.
  - now rewrite H.
  - rewrite IHt1, IHt2, IHt3 by auto. reflexivity.
  - rewrite IHt1, IHt2 by auto. reflexivity.
  - rewrite IHt1, IHt2, IHt3 by auto. lia.
Qed.

Lemma split_hasnt_one G G1 G2 x : split G G1 G2 -> hasnt G1 x \/ hasnt G2 x.
Proof.
  intros H. revert x. unfold hasnt, has. induction H; intros x.
  - left. intros A HA. destruct x; discriminate.
  - destruct x; simpl; [left; intros A HA; discriminate|apply IHsplit].
  - destruct x; simpl; [right; intros B HB; discriminate|apply IHsplit].
  - destruct x; simpl; [left; intros B HB; discriminate|apply IHsplit].
Qed.

(** The bound of SPEC §6 and metatheory §5, for K ≥ 1: [degb K x t ≤ K ^ step_depth x t]. *)
Theorem degb_le_pow K G t A : lty G t A -> 1 <= K ->
  forall x, degb K x t <= K ^ step_depth x t.
Proof.
  intros Ht HK. assert (Hm : forall a b, a <= b -> K ^ a <= K ^ b)
    by (intros; apply Nat.pow_le_mono_r; lia).
  assert (Hz : forall G s B x, lty G s B -> hasnt G x -> degb K x s = 0)
    by (intros; apply degb_not_occurs; eapply lty_occurs; eauto).
  induction Ht; intros x; cbn [degb step_depth].
  - destruct (Nat.eqb n x); simpl; lia.
  - lia.
  - lia.
  - lia.
  - auto.
  - destruct (split_hasnt_one _ _ _ x H) as [N1|N2].
    + rewrite (Hz _ _ _ _ Ht1 N1). simpl. apply Nat.max_lub.
      * etransitivity; [apply IHHt2|apply Hm; lia].
      * etransitivity; [apply IHHt3|apply Hm; lia].
    + rewrite (Hz _ _ _ _ Ht2 N2), (Hz _ _ _ _ Ht3 N2).
      etransitivity; [|apply (Hm (step_depth x c))]; [specialize (IHHt1 x)|]; lia.
  - auto.
  - destruct (split_hasnt_one _ _ _ x H) as [N1|N2].
    + rewrite (Hz _ _ _ _ Ht1 N1). etransitivity; [apply IHHt2|apply Hm; lia].
    + rewrite (Hz _ _ _ _ Ht2 N2). etransitivity; [|apply (Hm (step_depth x t))]; [|lia].
      specialize (IHHt1 x). lia.
  - destruct (split_hasnt_one _ _ _ x H) as [N1|N'].
    + rewrite (Hz _ _ _ _ Ht1 N1). simpl.
      destruct (split_hasnt_one _ _ _ x H0) as [N2|N3].
      * rewrite (Hz _ _ _ _ Ht2 N2), Nat.add_0_r.
        destruct (occurs (S x) u1) eqn:E.
        -- etransitivity; [apply Nat.mul_le_mono_l, IHHt3|].
           change (K * K ^ step_depth (S x) u1) with (K ^ S (step_depth (S x) u1)).
           apply Hm. lia.
        -- rewrite degb_not_occurs by auto. lia.
      * rewrite (Hz _ _ _ _ Ht3 (proj2 (hasnt_cons G3 x (Some A)) N3)).
        etransitivity; [|apply (Hm (step_depth x u0))]; [specialize (IHHt2 x)|]; lia.
    + destruct (split_hasnt _ _ _ _ H0 N') as [N2 N3].
      rewrite (Hz _ _ _ _ Ht2 N2), (Hz _ _ _ _ Ht3 (proj2 (hasnt_cons G3 x (Some A)) N3)).
      etransitivity; [|apply (Hm (step_depth x t))]; [specialize (IHHt1 x)|]; lia.
Qed.

(** T3(b) as SPEC §6 states it, for K ≥ 1: degree ≤ K^d in x, d = [step_depth x t]. *)
Corollary T3_degree_pow K G t A : lty G t A -> 1 <= K ->
  forall x n rho, xdim K G x n -> env_len K G rho ->
  vdeg n (K ^ step_depth x t) (fun v => compile K (upd rho x v) t).
Proof.
  intros Ht HK x n rho Hx Hr. eapply vdeg_weaken; [apply (degb_le_pow K G t A); auto|].
  eapply T3_degree; eauto.
Qed.

(** At K = 0 the recurrent sum keeps only n_0 · h, so a step contributes nothing: the degree is
    at most 1 in every variable (and SPEC's K^d, which is 0 for d ≥ 1, does not bound it). *)
Theorem degb_K0 G t A : lty G t A -> forall x, degb 0 x t <= 1.
Proof.
  assert (Hz : forall G s B x, lty G s B -> hasnt G x -> degb 0 x s = 0)
    by (intros; apply degb_not_occurs; eapply lty_occurs; eauto).
  induction 1; intros x; cbn [degb].
  - destruct (Nat.eqb n x); lia.
  - lia.
  - lia.
  - lia.
  - auto.
  - destruct (split_hasnt_one _ _ _ x H) as [N1|N2].
    + rewrite (Hz _ _ _ _ H0 N1). specialize (IHlty2 x). specialize (IHlty3 x). lia.
    + rewrite (Hz _ _ _ _ H1 N2), (Hz _ _ _ _ H2 N2). specialize (IHlty1 x). lia.
  - auto.
  - destruct (split_hasnt_one _ _ _ x H) as [N1|N2].
    + rewrite (Hz _ _ _ _ H0 N1). apply IHlty2.
    + rewrite (Hz _ _ _ _ H1 N2). specialize (IHlty1 x). lia.
  - destruct (split_hasnt_one _ _ _ x H) as [N1|N'].
    + rewrite (Hz _ _ _ _ H1 N1). specialize (IHlty2 x). lia.
    + destruct (split_hasnt _ _ _ _ H0 N') as [N2 _].
      rewrite (Hz _ _ _ _ H2 N2). specialize (IHlty1 x). lia.
Qed.

(** The counterexample to K^d at K = 0: x : Nat ⊸ Nat, c : Bool ⊢
    [if c then x zero else iter zero { zero => zero | succ y => x y }] : Nat.  Here d(x, t) = 1,
    so K^d = 0 would make the map constant in x, but with c = true it is x's (only) entry. *)
Definition cex : tm := If (Var 1) (App (Var 0) Zero) (Iter Zero Zero (App (Var 1) (Var 0))).
Definition cex_ctx : lctx := [Some (TArr TNat TNat); Some TBool].
Definition cex_env : nat -> vec := fun k => match k with O => basis 1 0 | _ => basis 2 0 end.

Theorem spec_bound_false_at_K0 :
  lty cex_ctx cex TNat /\ step_depth 0 cex = 1 /\ xdim 0 cex_ctx 0 1 /\ env_len 0 cex_ctx cex_env /\
  ~ vdeg 1 (0 ^ step_depth 0 cex) (fun v => compile 0 (upd cex_env 0 v) cex).
Proof.
  split; [apply tc_sound; vm_compute; reflexivity|]. split; [reflexivity|]. split; [|split].
  - intros B HB. unfold has in HB. simpl in HB. inversion HB. reflexivity.
  - intros [|[|y]] B HB; unfold has in HB; simpl in HB; inversion HB; subst; try reflexivity.
    destruct y; discriminate.
  - intros H. specialize (H 0). simpl in H.
    pose proof (pdeg_zero_const _ _ _ H eq_refl (basis 1 0) (vzero 1) eq_refl eq_refl) as E.
    apply (f_equal this) in E. vm_compute in E. discriminate.
Qed.

(** T3(b) at K = 0: degree ≤ 1 in every variable. *)
Corollary T3_degree_K0 G t A : lty G t A ->
  forall x n rho, xdim 0 G x n -> env_len 0 G rho ->
  vdeg n 1 (fun v => compile 0 (upd rho x v) t).
Proof.
  intros Ht x n rho Hx Hr. eapply vdeg_weaken; [apply (degb_K0 G t A); auto|].
  eapply T3_degree; eauto.
Qed.
